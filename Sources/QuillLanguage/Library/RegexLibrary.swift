/// The `regex` namespace, on Swift's native `Regex` (the syntax is Swift's, which accepts the
/// common Perl/PCRE forms: classes, `\d \w \s \b`, groups `( )`, named groups `(?<name> )`,
/// non-capturing `(?: )`, lookahead, lazy quantifiers, flags like `(?i)`).
///
/// - `regex.search(p, text)`: the first match anywhere, or nil.
/// - `regex.match(p, text)`: a match that starts at the beginning of `text`, or nil (like Python's `re.match`).
/// - `regex.full_match(p, text)`: a match of the whole text, or nil.
/// - `regex.matches(p, text)`: every match, as match maps.
/// - `regex.find_all(p, text)`: like Python's `re.findall`: the matched strings when the pattern
///   has no groups, the group's strings when it has one, and lists of group strings when it has several.
/// - `regex.replace(p, text, replacement, count)`: replaces every match (at most `count` when
///   given and not negative). A string replacement may use `$0`, `$1`…`$99`, `${name}` and `$$`
///   (a literal `$`); a function replacement receives the match map and its result is used as str().
/// - `regex.split(p, text)`: the text between matches (empty matches do not split, and groups
///   are not included).
/// - `regex.escape(text)`: text with every regex metacharacter escaped.
/// - `regex.is_valid(p)`: whether the pattern compiles.
///
/// A match map is `{text, start, end, groups, named}`: `start`/`end` are character offsets
/// (end exclusive), `groups` lists the groups' strings (nil for a group that did not take part)
/// and `named` maps group names to the same. An invalid pattern is a RegexError naming the
/// pattern. Compiled patterns are cached per VM (64 patterns, oldest dropped first).
enum RegexLibrary {
    typealias CompiledRegex = Regex<AnyRegexOutput>

    /// The per-VM cache of compiled patterns.
    final class Cache {
        private var compiled: [String: CompiledRegex] = [:]
        private var order: [String] = []
        static let capacity = 64

        func regex(_ pattern: String, function: String) throws -> CompiledRegex {
            if let r = compiled[pattern] { return r }
            let r: CompiledRegex
            do {
                r = try Regex(pattern)
            } catch {
                throw QuillError("RegexError", "\(function)(): invalid pattern '\(pattern)': \(error)")
            }
            if order.count >= Self.capacity { compiled[order.removeFirst()] = nil }
            compiled[pattern] = r
            order.append(pattern)
            return r
        }
    }

    static func namespace() -> NamespaceObject {
        let cache = Cache()
        /// Compiles argument 0 and reads the text in argument 1.
        func prepare(_ args: Args, _ name: String) throws -> (CompiledRegex, String) {
            let pattern = try args.string(0), text = try args.string(1)
            return (try cache.regex(pattern, function: "regex.\(name)"), text)
        }
        func single(_ name: String, _ find: @escaping (String, CompiledRegex) throws -> CompiledRegex.Match?) -> NativeFunction {
            NativeFunction("regex.\(name)", ["pattern", "text"]) { args in
                let (r, text) = try prepare(args, name)
                guard let m = try find(text, r) else { return .nil }
                return matchMap(m, in: text, offsets: OffsetTracker(text))
            }
        }
        return LibrarySupport.namespace("regex", functions: [
            single("search") { text, r in try r.firstMatch(in: text) },
            single("match") { text, r in try r.prefixMatch(in: text) },
            single("full_match") { text, r in try r.wholeMatch(in: text) },
            NativeFunction("regex.matches", ["pattern", "text"]) { args in
                let (r, text) = try prepare(args, "matches")
                let offsets = OffsetTracker(text)
                return .list(ListObject(text.matches(of: r).map { matchMap($0, in: text, offsets: offsets) }))
            },
            NativeFunction("regex.find_all", ["pattern", "text"]) { args in
                let (r, text) = try prepare(args, "find_all")
                func str(_ s: Substring?) -> Value { s.map { .str(String($0)) } ?? .nil }
                return .list(ListObject(text.matches(of: r).map { m in
                    let out = m.output
                    switch out.count {
                    case 1: return .str(String(text[m.range]))
                    case 2: return str(out[1].substring)
                    default: return .list(ListObject((1..<out.count).map { str(out[$0].substring) }))
                    }
                }))
            },
            NativeFunction("regex.replace", ["pattern", "text", "replacement", "count"], required: 3) { args in
                let (r, text) = try prepare(args, "replace")
                let limit = try args.int(3, default: -1)
                return .str(try replace(r, in: text, with: args[2], limit: limit < 0 ? Int.max : limit, args: args))
            },
            NativeFunction("regex.split", ["pattern", "text"]) { args in
                let (r, text) = try prepare(args, "split")
                var parts: [Value] = []
                var start = text.startIndex
                for m in text.matches(of: r) where !m.range.isEmpty {
                    parts.append(.str(String(text[start..<m.range.lowerBound])))
                    start = m.range.upperBound
                }
                parts.append(.str(String(text[start...])))
                return .list(ListObject(parts))
            },
            NativeFunction("regex.escape", ["text"]) { args in .str(escape(try args.string(0))) },
            NativeFunction("regex.is_valid", ["pattern"]) { args in
                let pattern = try args.string(0)
                return .bool((try? Regex(pattern)) != nil)
            },
        ])
    }

    /// Escapes the characters that have a meaning in a pattern.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            if "\\^$.|?*+()[]{}-/#&~".unicodeScalars.contains(c) { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out
    }

    /// Converts string indexes to character offsets, walking forward from the last one asked for.
    final class OffsetTracker {
        let text: String
        let simple: Bool
        private var lastIndex: String.Index
        private var lastOffset = 0

        init(_ text: String) {
            self.text = text
            // ASCII without "\r" (CR LF is one character): UTF-8 offsets are character offsets.
            simple = TextSearch.withBytes(text, StringObject.isSimpleASCII)
            lastIndex = text.startIndex
        }

        func offset(_ index: String.Index) -> Int {
            if simple { return text.utf8.distance(from: text.startIndex, to: index) }
            if index < lastIndex { lastIndex = text.startIndex; lastOffset = 0 }
            lastOffset += text[lastIndex..<index].count
            lastIndex = index
            return lastOffset
        }
    }

    /// `{text, start, end, groups, named}` for one match.
    static func matchMap(_ m: CompiledRegex.Match, in text: String, offsets: OffsetTracker) -> Value {
        let out = m.output
        let map = MapObject()
        map["text"] = .str(String(text[m.range]))
        map["start"] = .int(offsets.offset(m.range.lowerBound))
        map["end"] = .int(offsets.offset(m.range.upperBound))
        var groups: [Value] = []
        let named = MapObject()
        for i in 1..<max(1, out.count) {
            let g = out[i]
            let v: Value = g.substring.map { .str(String($0)) } ?? .nil
            groups.append(v)
            if let name = g.name { named[name] = v }
        }
        map["groups"] = .list(ListObject(groups))
        map["named"] = .map(named)
        return .map(map)
    }

    /// One piece of a replacement template.
    enum TemplatePart {
        case text(String)
        case group(Int)
        case name(String)
    }

    /// Parses `$1`, `$12`, `${name}`, `${1}` and `$$` out of a replacement string.
    static func parseTemplate(_ s: String) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var literal = ""
        let c = Array(s.unicodeScalars)
        var i = 0
        while i < c.count {
            guard c[i] == "$", i + 1 < c.count else { literal.unicodeScalars.append(c[i]); i += 1; continue }
            let n = c[i + 1]
            if n == "$" { literal += "$"; i += 2; continue }
            if let d = n.properties.numericType, d == .decimal, n.isASCII {
                var number = Int(n.value - 48)
                i += 2
                if i < c.count, c[i].isASCII, c[i].properties.numericType == .decimal {
                    number = number * 10 + Int(c[i].value - 48)
                    i += 1
                }
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                parts.append(.group(number))
                continue
            }
            if n == "{", let close = c[(i + 2)...].firstIndex(of: "}") {
                var name = ""
                name.unicodeScalars.append(contentsOf: c[(i + 2)..<close])
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                parts.append(Int(name).map { .group($0) } ?? .name(name))
                i = close + 1
                continue
            }
            literal += "$"
            i += 1
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return parts
    }

    static func replace(_ r: CompiledRegex, in text: String, with replacement: Value, limit: Int, args: Args) throws -> String {
        let template: [TemplatePart]?
        switch replacement {
        case .string(let s): template = parseTemplate(s.value)
        case .function, .native: template = nil
        default: throw args.typeError(2, expected: "a string or a function")
        }
        var out = ""
        var start = text.startIndex
        var done = 0
        let offsets = OffsetTracker(text)
        for m in text.matches(of: r) {
            guard done < limit else { break }
            out += text[start..<m.range.lowerBound]
            if let template {
                let groups = m.output
                for part in template {
                    switch part {
                    case .text(let t): out += t
                    case .group(let g):
                        guard g < groups.count else {
                            throw QuillError("RegexError", "regex.replace(): the replacement refers to group \(g), but the pattern has \(groups.count - 1) group\(groups.count == 2 ? "" : "s")")
                        }
                        if let sub = groups[g].substring { out += sub }
                    case .name(let name):
                        guard let g = groups[name] else {
                            throw QuillError("RegexError", "regex.replace(): the replacement refers to group '\(name)', which the pattern does not define")
                        }
                        if let sub = g.substring { out += sub }
                    }
                }
            } else {
                out += try args.vm.call(replacement, matchMap(m, in: text, offsets: offsets)).description
            }
            start = m.range.upperBound
            done += 1
        }
        out += text[start...]
        return out
    }
}
