/// Calling functions: binding arguments to parameters for Quill closures and natives,
/// and finding methods.
extension VM {
    /// Pushes a frame for `closure`, whose value sits at `stack[calleeIndex]` with its
    /// arguments after it. Named arguments (the last `names.count`) are moved to their parameters.
    func enter(_ closure: Closure, base calleeIndex: Int, argc: Int, names: [String], exitsRun: Bool) throws {
        let proto = closure.proto
        let base = calleeIndex + 1
        try ensureStack(base + proto.registerCount + 1)
        let count = proto.parameters.count
        var given: UInt64
        if names.isEmpty {
            if argc != count {
                if argc > count { throw tooManyArguments(proto.name, count, argc) }
                for i in argc..<count {
                    if !proto.hasDefault[i] { throw missingArgument(proto, i) }
                    stack[base + i] = .nil
                }
            }
            given = argc >= 64 ? ~0 : (UInt64(1) << UInt64(argc)) &- 1
        } else {
            given = try bindNamed(proto, base: base, argc: argc, names: names)
        }
        try countStep()
        try pushFrame(CallFrame(closure: closure, pc: 0, base: base, given: given, exitsRun: exitsRun))
    }

    /// Rearranges `f(a, b, x: 1)` so each named argument lands in its parameter's register.
    private func bindNamed(_ proto: FunctionProto, base: Int, argc: Int, names: [String]) throws -> UInt64 {
        let positional = argc - names.count
        let count = proto.parameters.count
        if positional > count { throw tooManyArguments(proto.name, count, positional) }
        let namedValues = (0..<names.count).map { stack[base + positional + $0] }
        for i in positional..<max(count, argc) { stack[base + i] = .nil }
        var given: UInt64 = positional >= 64 ? ~0 : (UInt64(1) << UInt64(positional)) &- 1
        for (j, name) in names.enumerated() {
            guard let i = proto.parameters.firstIndex(of: name) else {
                throw QuillError.argument("\(proto.name)() has no parameter named '\(name)'",
                                          hint: Suggestion.hint(for: name, in: proto.parameters))
            }
            if given & (1 << UInt64(i)) != 0 {
                throw QuillError.argument("\(proto.name)() got two values for parameter '\(name)'")
            }
            stack[base + i] = namedValues[j]
            given |= 1 << UInt64(i)
        }
        for i in 0..<count where given & (1 << UInt64(i)) == 0 && !proto.hasDefault[i] {
            throw missingArgument(proto, i)
        }
        return given
    }

    func tooManyArguments(_ name: String, _ count: Int, _ got: Int) -> QuillError {
        .argument("\(name)() takes \(count) argument\(count == 1 ? "" : "s") but \(got) were given")
    }

    func missingArgument(_ proto: FunctionProto, _ i: Int) -> QuillError {
        .argument("\(proto.name)() missing argument '\(proto.parameters[i])'",
                  hint: "call it as \(proto.name)(\(proto.parameters.enumerated().filter { !proto.hasDefault[$0.offset] }.map(\.element).joined(separator: ", ")))")
    }

    /// Calls a native whose arguments sit after `stack[calleeIndex]`.
    func callNative(_ f: NativeFunction, receiver: Value, at calleeIndex: Int, argc: Int, names: [String]) throws -> Value {
        let argsBase = stack + calleeIndex + 1
        if names.isEmpty {
            if !f.variadic {
                if argc > f.parameters.count {
                    throw QuillError.argument("\(f.name)() takes at most \(f.parameters.count) argument\(f.parameters.count == 1 ? "" : "s") (\(argc) given)",
                                              hint: f.parameters.isEmpty ? nil : "its parameters are \(f.signature)")
                }
                if argc < f.required {
                    throw QuillError.argument("\(f.name)() missing argument '\(f.parameters[argc])'",
                                              hint: "its parameters are \(f.signature)")
                }
            }
            return try f.body(Args(vm: self, receiver: receiver, base: argsBase, count: argc, function: f))
        }
        // Named arguments: bind into a scratch array in parameter order.
        let positional = argc - names.count
        if f.variadic {
            // Variadic natives see positional arguments first, then named ones they look up by
            // name; their `parameters` list the names they accept.
            for n in names where !f.parameters.contains(n) {
                throw QuillError.argument("\(f.name)() has no parameter named '\(n)'",
                                          hint: Suggestion.hint(for: n, in: f.parameters))
            }
            let values = (0..<argc).map { argsBase[$0] }
            return try values.withUnsafeBufferPointer { buf in
                try f.body(Args(vm: self, receiver: receiver, base: buf.baseAddress!, count: positional, function: f, names: names))
            }
        }
        if positional > f.parameters.count {
            throw QuillError.argument("\(f.name)() takes at most \(f.parameters.count) arguments (\(positional) given)")
        }
        var bound = [Value](repeating: .nil, count: f.parameters.count)
        var given = [Bool](repeating: false, count: f.parameters.count)
        for i in 0..<positional {
            bound[i] = argsBase[i]
            given[i] = true
        }
        for (j, name) in names.enumerated() {
            guard let i = f.parameters.firstIndex(of: name) else {
                throw QuillError.argument("\(f.name)() has no parameter named '\(name)'",
                                          hint: Suggestion.hint(for: name, in: f.parameters) ?? "its parameters are \(f.signature)")
            }
            if given[i] { throw QuillError.argument("\(f.name)() got two values for parameter '\(name)'") }
            bound[i] = argsBase[positional + j]
            given[i] = true
        }
        if let missing = (0..<f.required).first(where: { !given[$0] }) {
            throw QuillError.argument("\(f.name)() missing argument '\(f.parameters[missing])'", hint: "its parameters are \(f.signature)")
        }
        let count = (given.lastIndex(of: true) ?? -1) + 1
        return try bound.withUnsafeBufferPointer { buf in
            try f.body(Args(vm: self, receiver: receiver, base: buf.baseAddress!, count: max(count, 0), function: f))
        }
    }

    enum MethodTarget {
        case builtin(NativeFunction)
        case value(Value)
    }

    /// Finds `receiver.name` for a call: a map's function-valued key, an object's member, or a
    /// built-in method of strings, lists and maps (cached per call site by receiver type).
    func resolveMethod(_ site: CallSite, on receiver: Value) throws -> MethodTarget {
        let tag = receiver.tag
        // A map key holding a function is called like a method (`ops.add(1, 2)`); any other
        // value under that key leaves the built-in method reachable (`counts.keys()` still works
        // when the counted words include "keys").
        if case .map(let m) = receiver, let v = m[.str(site.method)] {
            switch v {
            case .function, .native: return .value(v)
            default: if MapMethods.table[site.method] == nil { return .value(v) }
            }
        }
        if site.cachedTag == tag, let cached = site.cachedMethod { return .builtin(cached) }
        let table: [String: NativeFunction]
        switch receiver {
        case .string: table = StringMethods.table
        case .list: table = ListMethods.table
        case .map: table = MapMethods.table
        case .object(let o):
            if let v = try o.member(site.method, vm: self) { return .value(v) }
            throw noMember(site.method, on: receiver, candidates: o.memberNames)
        case .error:
            if let v = try member(of: receiver, named: .str(site.method)) as Value? { return .value(v) }
            throw noMember(site.method, on: receiver, candidates: [])
        default:
            throw noMember(site.method, on: receiver, candidates: [])
        }
        guard let method = table[site.method] else {
            throw noMember(site.method, on: receiver, candidates: table.keys)
        }
        site.cachedTag = tag
        site.cachedMethod = method
        return .builtin(method)
    }

    func noMember(_ name: String, on receiver: Value, candidates: some Sequence<String>) -> QuillError {
        QuillError("AttributeError", "\(receiver.typeName) has no method '\(name)'",
                   hint: Suggestion.hint(for: name, in: candidates))
    }
}
