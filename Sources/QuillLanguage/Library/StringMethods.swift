/// The methods of string values: `"a,b".split(",")`.
///
/// Conventions every method follows:
/// - Strings are immutable; every method returns a new value and never changes the receiver.
/// - Lengths, widths and indexes (arguments and results) count *characters* (extended grapheme
///   clusters), so `"héllo".len()` is 5 whatever the encoding of the `é`.
/// - Substring search (`split`, `replace`, `contains`, `count`, `find`, `starts_with`, `ends_with`)
///   matches exact code point sequences with a UTF-8 byte search, like Python. There is no
///   Unicode normalization, so a precomposed `é` does not match `e` + combining accent.
/// - Negative indexes count from the end, and slice bounds are clamped, as in Python.
enum StringMethods {
    /// Method name → native, looked up by the VM for receivers of type string.
    static let table: [String: NativeFunction] = {
        var t: [String: NativeFunction] = [:]
        for f in methods { t[f.name] = f }
        return t
    }()

    private static func method(_ name: String, _ params: [String] = [], required: Int? = nil,
                               variadic: Bool = false, _ body: @escaping NativeFunction.Body) -> NativeFunction {
        NativeFunction(name, params, required: required, variadic: variadic, isMethod: true, body: body)
    }

    private static var methods: [NativeFunction] {
        [
            // MARK: Splitting and joining
            method("split", ["sep", "max"], required: 0) { args in
                let s = args.receiverString.value
                let limit = try args.int(1, default: -1)
                let maxSplits = limit < 0 ? Int.max : limit
                if args[0].isNil { return try list(splitWhitespace(s, maxSplits: maxSplits), vm: args.vm, for: "split()") }
                let sep = try args.string(0)
                guard !sep.isEmpty else {
                    throw QuillError.value("split(): separator must not be empty",
                                           hint: "use chars() to split a string into characters")
                }
                return try list(split(s, on: sep, maxSplits: maxSplits), vm: args.vm, for: "split()")
            },
            // `sep.join(items)`: every item is converted with str(), so `", ".join([1, 2])` is "1, 2".
            // Items may be a list, a range, a map (its keys) or a string (its characters).
            method("join", ["items"]) { args in
                let sep = args.receiverString.value, meter = args.vm.memoryMeter
                let items: [Value]
                if case .list(let l) = args[0] {
                    items = l.items
                } else {
                    items = try LibrarySupport.items(of: args[0], function: "join", argument: "items", meter: meter)
                }
                return try args.vm.makeString(try join(items, separator: sep, meter: meter), for: "join()")
            },
            method("lines") { args in
                let s = args.receiverString.value
                if s.isEmpty { return try args.vm.makeList([], for: "lines()") }
                var parts = s.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                if parts.last?.isEmpty == true { parts.removeLast() }
                return try list(parts.map { String($0) }, vm: args.vm, for: "lines()")
            },
            method("chars") { args in
                try list(args.receiverString.characters.map { String($0) }, vm: args.vm, for: "chars()")
            },

            // MARK: Trimming and case
            method("trim", ["chars"], required: 0) { args in
                try args.vm.makeString(trimmed(args.receiverString.value, start: true, end: true,
                                               chars: try optionalString(args, 0)), for: "trim()")
            },
            method("trim_start", ["chars"], required: 0) { args in
                try args.vm.makeString(trimmed(args.receiverString.value, start: true, end: false,
                                               chars: try optionalString(args, 0)), for: "trim_start()")
            },
            method("trim_end", ["chars"], required: 0) { args in
                try args.vm.makeString(trimmed(args.receiverString.value, start: false, end: true,
                                               chars: try optionalString(args, 0)), for: "trim_end()")
            },
            method("upper") { args in try args.vm.makeString(args.receiverString.value.uppercased(), for: "upper()") },
            method("lower") { args in try args.vm.makeString(args.receiverString.value.lowercased(), for: "lower()") },
            // First character upper case, the rest lower case (like Python's str.capitalize).
            method("capitalize") { args in
                let s = args.receiverString.value
                guard let first = s.first else { return args.receiver }
                return try args.vm.makeString(first.uppercased() + s.dropFirst().lowercased(), for: "capitalize()")
            },
            // Each run of letters starts upper case and continues lower case.
            method("title") { args in
                var out = ""
                var previousIsLetter = false
                for c in args.receiverString.value {
                    out += previousIsLetter ? c.lowercased() : c.uppercased()
                    previousIsLetter = c.isLetter
                }
                return try args.vm.makeString(out, for: "title()")
            },

            // MARK: Searching
            method("contains", ["sub"]) { args in
                let s = args.receiverString.value, sub = try args.string(0)
                return .bool(TextSearch.withBytes(s) { h in TextSearch.withBytes(sub) { TextSearch.find(h, $0) != nil } })
            },
            method("starts_with", ["prefix"]) { args in
                .bool(args.receiverString.value.utf8.starts(with: try args.string(0).utf8))
            },
            method("ends_with", ["suffix"]) { args in
                let s = args.receiverString.value, suffix = try args.string(0)
                return .bool(TextSearch.withBytes(s) { h in
                    TextSearch.withBytes(suffix) { n in
                        n.count <= h.count && n.elementsEqual(UnsafeBufferPointer(rebasing: h[(h.count - n.count)...]))
                    }
                })
            },
            // The character index of the first occurrence at or after character `start`, or -1.
            method("find", ["sub", "start"], required: 1) { args in
                let s = args.receiverString.value, sub = try args.string(0)
                var startChar = try args.int(1, default: 0)
                if startChar < 0 { startChar = max(0, startChar + args.receiverString.count) }
                guard let startIndex = s.index(s.startIndex, offsetBy: startChar, limitedBy: s.endIndex) else {
                    return .int(-1)
                }
                let from = s.utf8.distance(from: s.utf8.startIndex, to: startIndex)
                let hit = TextSearch.withBytes(s) { h in TextSearch.withBytes(sub) { TextSearch.find(h, $0, from: from) } }
                guard let offset = hit else { return .int(-1) }
                return .int(TextSearch.characterIndex(s, utf8Offset: offset))
            },
            // The character index of the last occurrence, or -1.
            method("rfind", ["sub"]) { args in
                let s = args.receiverString.value, sub = try args.string(0)
                let hit = TextSearch.withBytes(s) { h in TextSearch.withBytes(sub) { TextSearch.findLast(h, $0) } }
                guard let offset = hit else { return .int(-1) }
                return .int(TextSearch.characterIndex(s, utf8Offset: offset))
            },
            // Non-overlapping occurrences of a non-empty substring.
            method("count", ["sub"]) { args in
                let s = args.receiverString.value, sub = try args.string(0)
                guard !sub.isEmpty else { throw QuillError.value("count(): substring must not be empty") }
                return .int(TextSearch.withBytes(s) { h in TextSearch.withBytes(sub) { TextSearch.findAll(h, $0).count } })
            },
            method("replace", ["old", "new", "count"], required: 2) { args in
                let s = args.receiverString.value, old = try args.string(0), new = try args.string(1)
                let limit = try args.int(2, default: -1)
                guard !old.isEmpty else {
                    throw QuillError.value("replace(): the text to replace must not be empty")
                }
                let text = try replace(s, old, with: new, limit: limit < 0 ? Int.max : limit, meter: args.vm.memoryMeter)
                return try args.vm.makeString(text, for: "replace()")
            },

            // MARK: Building
            method("repeat", ["count"]) { args in
                let s = args.receiverString.value, n = try args.int(0)
                guard n >= 0 else { throw QuillError.value("repeat(): count must not be negative, got \(n)") }
                let (bytes, overflow) = s.utf8.count.multipliedReportingOverflow(by: n)
                let charge = try args.vm.memoryMeter?.reserve(MemoryMeter.stringBytes(utf8: overflow ? Int.max : bytes),
                                                              for: "repeat()")
                guard !overflow, bytes <= 1 << 31 else {
                    throw QuillError.value("repeat(): the result would be too large (\(s.utf8.count) bytes × \(n))")
                }
                return .string(StringObject.make(String(repeating: s, count: n), reservation: charge))
            },
            method("pad_start", ["width", "fill"], required: 1) { args in
                try pad(args, "pad_start") { s, fill, n in String(repeating: fill, count: n) + s }
            },
            method("pad_end", ["width", "fill"], required: 1) { args in
                try pad(args, "pad_end") { s, fill, n in s + String(repeating: fill, count: n) }
            },
            // Centers the text; when the padding is odd the extra fill character goes on the right.
            method("center", ["width", "fill"], required: 1) { args in
                try pad(args, "center") { s, fill, n in
                    String(repeating: fill, count: n / 2) + s + String(repeating: fill, count: n - n / 2)
                }
            },
            method("format", [], required: 0, variadic: true) { args in
                try args.vm.makeString(try StringFormatter.format(args.receiverString.value, args.all, function: "format",
                                                                  meter: args.vm.memoryMeter), for: "format()")
            },

            // MARK: Characters
            method("len") { args in .int(args.receiverString.count) },
            method("is_empty") { args in .bool(args.receiverString.value.isEmpty) },
            method("slice", ["start", "end"], required: 1) { args in
                let chars = args.receiverString.characters
                let r = TextSearch.sliceBounds(try args.int(0), args[1].isNil ? nil : try args.int(1), count: chars.count)
                return try args.vm.makeString(String(chars[r]), for: "slice()")
            },
            method("reverse") { args in try args.vm.makeString(String(args.receiverString.value.reversed()), for: "reverse()") },
            // True when non-empty and every character is an ASCII digit 0–9.
            method("is_digit") { args in
                let s = args.receiverString.value
                return .bool(!s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 })
            },
            method("is_alpha") { args in
                let s = args.receiverString.value
                return .bool(!s.isEmpty && s.allSatisfy(\.isLetter))
            },
            method("is_space") { args in
                let s = args.receiverString.value
                return .bool(!s.isEmpty && s.allSatisfy(\.isWhitespace))
            },
        ]
    }

    // MARK: - Helpers

    /// A list of strings; under a memory limit each string and the list are charged.
    private static func list(_ parts: [String], vm: VM, for operation: String) throws -> Value {
        var items: [Value] = []
        items.reserveCapacity(parts.count)
        guard let meter = vm.memoryMeter else {
            for p in parts { items.append(.str(p)) }
            return .list(ListObject(items))
        }
        try meter.check(MemoryMeter.listBytes(count: parts.count), for: operation)
        for p in parts { items.append(try meter.string(p, for: operation)) }
        return try meter.list(items, for: operation)
    }

    private static func optionalString(_ args: Args, _ i: Int) throws -> String? {
        args[i].isNil ? nil : try args.string(i)
    }

    /// Splits on a non-empty separator, at most `maxSplits` times.
    static func split(_ s: String, on sep: String, maxSplits: Int) -> [String] {
        TextSearch.withBytes(s) { h in
            TextSearch.withBytes(sep) { n in
                var parts: [String] = []
                var start = 0
                var splits = 0
                while splits < maxSplits, let j = TextSearch.find(h, n, from: start) {
                    parts.append(TextSearch.string(h, start..<j))
                    start = j + n.count
                    splits += 1
                }
                parts.append(TextSearch.string(h, start..<h.count))
                return parts
            }
        }
    }

    /// Python's `str.split()` without a separator: runs of whitespace separate, and leading and
    /// trailing whitespace yields no empty strings. After `maxSplits` splits the rest is one part
    /// (with its leading whitespace removed).
    static func splitWhitespace(_ s: String, maxSplits: Int) -> [String] {
        var parts: [String] = []
        let scalars = s.unicodeScalars
        var i = scalars.startIndex
        let end = scalars.endIndex
        while true {
            while i < end, scalars[i].properties.isWhitespace { i = scalars.index(after: i) }
            guard i < end else { break }
            if parts.count == maxSplits {
                parts.append(String(scalars[i..<end]))
                break
            }
            let wordStart = i
            while i < end, !scalars[i].properties.isWhitespace { i = scalars.index(after: i) }
            parts.append(String(scalars[wordStart..<i]))
        }
        return parts
    }

    /// Joins the str() of each item, reserving the result's size up front. Under a memory limit
    /// (`meter`) the text of list and map items and then the result's size are checked first.
    static func join(_ items: [Value], separator: String, meter: MemoryMeter? = nil) throws -> String {
        // Size first, then copy bytes straight into the result's storage: no intermediate
        // array of strings and one allocation, even for a million pieces. (Non-strings are
        // converted twice; joining strings is the case worth making fast.)
        func text(_ item: Value) -> String {
            if case .string(let s) = item { return s.value }
            return item.description
        }
        let sep = Array(separator.utf8)
        var total = sep.count * max(0, items.count - 1)
        for item in items {
            if case .string(let s) = item {
                total += s.value.utf8.count
            } else {
                try meter?.checkText(of: item, for: "join()")
                total += item.description.utf8.count
            }
        }
        guard total > 0 else { return "" }
        try meter?.check(MemoryMeter.stringBytes(utf8: total), for: "join()")
        return String(unsafeUninitializedCapacity: total) { buffer in
            var at = 0
            for (i, item) in items.enumerated() {
                if i > 0 {
                    for b in sep { buffer[at] = b; at += 1 }
                }
                // withUTF8 gives small (inline) strings a contiguous view too, without allocating.
                var p = text(item)
                p.withUTF8 { bytes in
                    if let base = bytes.baseAddress { (buffer.baseAddress! + at).update(from: base, count: bytes.count) }
                    at += bytes.count
                }
            }
            return at
        }
    }

    /// Replaces up to `limit` non-overlapping occurrences of a non-empty `old`. Under a memory
    /// limit (`meter`) the result is sized before it is built: a long replacement for a short,
    /// frequent match multiplies the text.
    static func replace(_ s: String, _ old: String, with new: String, limit: Int, meter: MemoryMeter? = nil) throws -> String {
        try TextSearch.withBytes(s) { h in
            try TextSearch.withBytes(old) { o in
                let hits = TextSearch.findAll(h, o, limit: limit)
                if hits.isEmpty { return s }
                if let meter {
                    let grown = MemoryMeter.product(hits.count, max(0, new.utf8.count - o.count))
                    try meter.check(MemoryMeter.stringBytes(utf8: MemoryMeter.sum(h.count, grown)), for: "replace()")
                }
                var out: [UInt8] = []
                out.reserveCapacity(h.count + hits.count * (new.utf8.count - o.count))
                var start = 0
                for j in hits {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: h[start..<j]))
                    out.append(contentsOf: new.utf8)
                    start = j + o.count
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: h[start...]))
                return String(decoding: out, as: UTF8.self)
            }
        }
    }

    /// Trims whitespace, or any of the characters in `chars`, from the chosen ends.
    static func trimmed(_ s: String, start: Bool, end: Bool, chars: String?) -> String {
        let set = chars.map { Set($0) }
        let strip: (Character) -> Bool = { c in set?.contains(c) ?? c.isWhitespace }
        var sub = Substring(s)
        if start { sub = sub.drop(while: strip) }
        if end {
            while let last = sub.last, strip(last) { sub.removeLast() }
        }
        return String(sub)
    }

    /// Shared body of `pad_start`, `pad_end` and `center`: checks the fill and computes the padding.
    private static func pad(_ args: Args, _ name: String,
                            _ build: (String, String, Int) -> String) throws -> Value {
        let s = args.receiverString
        let width = try args.int(0)
        let fill = try args.string(1, default: " ")
        guard fill.count == 1 else {
            throw QuillError.value("\(name)(): fill must be exactly one character, got '\(fill)'")
        }
        let missing = width - s.count
        if missing <= 0 { return .string(s) }
        let bytes = MemoryMeter.sum(s.value.utf8.count, MemoryMeter.product(missing, fill.utf8.count))
        let charge = try args.vm.memoryMeter?.reserve(MemoryMeter.stringBytes(utf8: bytes), for: "\(name)()")
        guard missing <= 1 << 28 else { throw QuillError.value("\(name)(): width \(width) is too large") }
        return .string(StringObject.make(build(s.value, fill, missing), reservation: charge))
    }
}
