/// Expressions. `expression(e, into: r)` leaves the value in register r, using registers above
/// the current free register as scratch.
extension CompilerContext {
    /// Compiles `e` and returns the register that holds its value: a local's own register when `e`
    /// names a local, else a new temporary.
    func anyRegister(_ e: Expr) -> Int {
        if case .variable(let name) = e.kind, let i = fs.findLocal(name) { return fs.locals[i].register }
        let r = allocRegister()
        expression(e, into: r)
        return r
    }

    func expression(_ e: Expr, into r: Int) {
        let saved = location
        location = e.location
        defer { location = saved }
        let mark = fs.freeRegister
        defer { if fs.freeRegister > mark { freeRegisters(to: mark) } }
        switch e.kind {
        case .nilLiteral: emit(.loadNil, r)
        case .bool(let b): emit(.loadBool, r, b ? 1 : 0)
        case .int(let i):
            if let small = Int32(exactly: i) { emit(.loadInt, r, 0, Int(small)) } else { emit(.loadConst, r, 0, constant(.int(i))) }
        case .float(let d): emit(.loadConst, r, 0, constant(.float(d)))
        case .string(let s): emit(.loadConst, r, 0, constant(.str(s)))
        case .interpolated(let parts):
            let base = fs.freeRegister
            for part in parts {
                let t = allocRegister()
                switch part {
                case .text(let s): emit(.loadConst, t, 0, constant(.str(s)))
                case .expr(let x): expression(x, into: t)
                }
            }
            location = e.location
            emit(.concat, r, base, parts.count)
        case .variable(let name):
            variable(name, into: r, at: e.location)
        case .list(let items):
            listLiteral(items, into: r)
        case .map(let pairs):
            mapLiteral(pairs, into: r)
        case .unary(let op, let operand):
            switch (op, operand.kind) {
            case (.negate, .int(let i)) where i != Int.min:
                expression(Expr(.int(-i), at: e.location), into: r)
            case (.negate, .float(let d)):
                expression(Expr(.float(-d), at: e.location), into: r)
            default:
                let x = anyRegister(operand)
                location = e.location
                emit(op == .negate ? .negate : .not, r, x)
            }
        case .binary(let op, let left, let right):
            binary(op, left, right, into: r, at: e.location)
        case .logical(let op, let left, let right):
            expression(left, into: r)
            location = e.location
            let skip: Int
            switch op {
            case .and: skip = emit(.jumpIfFalse, r)
            case .or: skip = emit(.jumpIfTrue, r)
            case .coalesce: skip = emit(.jumpIfNotNil, r)
            }
            expression(right, into: r)
            patch(skip)
        case .range(let lo, let hi, let inclusive):
            let base = allocRegister()
            emit(.loadConst, base, 0, constant(.native(inclusive ? Builtins.inclusiveRange : Builtins.exclusiveRange)))
            expression(lo, into: allocRegister())
            expression(hi, into: allocRegister())
            location = e.location
            emit(.call, base, 2, 0)
            emit(.move, r, base)
        case .call(let callee, let args):
            call(callee, args, into: r, at: e.location)
        case .member(let object, let name):
            let o = anyRegister(object)
            location = e.location
            emit(.getMember, r, o, constant(.str(name)))
        case .index(let object, let index):
            let o = anyRegister(object)
            let i = anyRegister(index)
            location = e.location
            emit(.getIndex, r, o, i)
        case .slice(let object, let lo, let hi):
            let o = anyRegister(object)
            let bounds = allocRegister()
            _ = allocRegister()
            if let lo { expression(lo, into: bounds) } else { emit(.loadNil, bounds) }
            if let hi { expression(hi, into: bounds + 1) } else { emit(.loadNil, bounds + 1) }
            location = e.location
            emit(.slice, r, o, bounds)
        case .lambda(let decl):
            let index = function(decl)
            location = e.location
            emit(.closure, r, 0, index)
        }
    }

    func variable(_ name: String, into r: Int, at loc: SourceLocation) {
        guard let res = resolve(name, at: loc) else { undefined(name, at: loc); return }
        switch res {
        case .local(let i):
            let src = fs.locals[i].register
            if src != r { emit(.move, r, src) }
        case .upvalue(let u): emit(.getUpvalue, r, u)
        case .global(let slot): emit(.getGlobal, r, 0, slot)
        case .builtin(let v): emit(.loadConst, r, 0, constant(v))
        }
    }

    /// Small lists are built from consecutive registers in one instruction; long literals append
    /// in chunks so they never need thousands of registers.
    func listLiteral(_ items: [Expr], into r: Int) {
        let chunk = 64
        let target = items.count > chunk ? allocRegister() : r
        var first = true
        var i = 0
        repeat {
            let base = fs.freeRegister
            let n = min(chunk, items.count - i)
            for j in 0..<n { expression(items[i + j], into: allocRegister()) }
            if first {
                emit(.newList, target, base, n)
                first = false
            } else {
                // Append via a list concatenation of the chunk: target = target + [chunk].
                let t = allocRegister()
                emit(.newList, t, base, n)
                emit(.add, target, target, t)
            }
            freeRegisters(to: base)
            i += n
        } while i < items.count
        if target != r { emit(.move, r, target) }
    }

    func mapLiteral(_ pairs: [(key: Expr, value: Expr)], into r: Int) {
        let chunk = 32
        let target = pairs.count > chunk ? allocRegister() : r
        var first = true
        var i = 0
        repeat {
            let base = fs.freeRegister
            let n = min(chunk, pairs.count - i)
            for j in 0..<n {
                expression(pairs[i + j].key, into: allocRegister())
                expression(pairs[i + j].value, into: allocRegister())
            }
            if first {
                emit(.newMap, target, base, n)
                first = false
            } else {
                for j in 0..<n { emit(.setIndex, target, base + 2 * j, base + 2 * j + 1) }
            }
            freeRegisters(to: base)
            i += n
        } while i < pairs.count
        if target != r { emit(.move, r, target) }
    }

    /// `"k" + str(i)` and similar: when both sides of `+` are known to be strings (literals,
    /// interpolations, calls of the built-in `str`), the sum is built like an interpolation,
    /// in one allocation, instead of making each piece and then joining them.
    func stringParts(_ e: Expr) -> [StringPart]? {
        switch e.kind {
        case .string(let s): return [.text(s)]
        case .interpolated(let parts): return parts
        case .call(let callee, let args):
            guard case .variable(let name) = callee.kind, args.count == 1, args[0].name == nil,
                  case .builtin(let b)? = resolveQuietly(name), case .native(let f) = b, f.name == "str" else { return nil }
            return [.expr(args[0].value)]
        case .binary(.add, let l, let r):
            guard let a = stringParts(l), let b = stringParts(r) else { return nil }
            return a + b
        default: return nil
        }
    }

    func binary(_ op: BinaryOp, _ left: Expr, _ right: Expr, into r: Int, at loc: SourceLocation) {
        if op == .add, let a = stringParts(left), let b = stringParts(right) {
            expression(Expr(.interpolated(a + b), at: loc), into: r)
            return
        }
        // `x + 1` and `x - 1` use an immediate operand.
        if op == .add || op == .subtract, case .int(let k) = right.kind, let imm = Int32(exactly: op == .add ? k : -k) {
            let a = anyRegister(left)
            location = loc
            emit(.addInt, r, a, Int(imm))
            return
        }
        // `x * 3`, `x % 7`, `x // 2` with a positive constant use an immediate operand too.
        if [.multiply, .modulo, .floorDivide].contains(op), case .int(let k) = right.kind, k > 0, let imm = Int32(exactly: k) {
            let a = anyRegister(left)
            location = loc
            emit(op == .multiply ? .multiplyInt : op == .modulo ? .moduloInt : .floorDivideInt, r, a, Int(imm))
            return
        }
        let a = anyRegister(left)
        let b = anyRegister(right)
        location = loc
        arithmetic(op, into: r, a, b)
    }

    func arithmetic(_ op: BinaryOp, into r: Int, _ a: Int, _ b: Int) {
        switch op {
        case .add: emit(.add, r, a, b)
        case .subtract: emit(.subtract, r, a, b)
        case .multiply: emit(.multiply, r, a, b)
        case .divide: emit(.divide, r, a, b)
        case .floorDivide: emit(.floorDivide, r, a, b)
        case .modulo: emit(.modulo, r, a, b)
        case .power: emit(.power, r, a, b)
        case .equal: emit(.equal, r, a, b)
        case .notEqual: emit(.notEqual, r, a, b)
        case .less: emit(.less, r, a, b)
        case .lessEqual: emit(.lessEqual, r, a, b)
        case .greater: emit(.less, r, b, a)
        case .greaterEqual: emit(.lessEqual, r, b, a)
        case .contains: emit(.contains, r, a, b)
        case .notContains:
            emit(.contains, r, a, b)
            emit(.not, r, r)
        }
    }

    // MARK: - Calls

    func call(_ callee: Expr, _ args: [CallArgument], into r: Int, at loc: SourceLocation) {
        // When r is the topmost register in use, the call window can start at r itself.
        let base = (r == fs.freeRegister - 1 && isTemporary(r)) ? r : allocRegister()
        var method: String?
        if case .member(let object, let name) = callee.kind {
            method = name
            expression(object, into: base)
        } else {
            expression(callee, into: base)
        }
        let names = args.compactMap(\.name)
        for a in args {
            expression(a.value, into: allocRegister())
        }
        // Errors in a plain call point at the function's name; method calls at the call itself.
        location = method == nil ? callee.location : loc
        if let method {
            let site = CallSite(method: method, names: names, argumentCount: args.count)
            fs.proto.callSites.append(site)
            emit(site.isPush ? .invokePush : .invoke, base, args.count, fs.proto.callSites.count - 1)
        } else if names.isEmpty {
            emit(.call, base, args.count, 0)
        } else {
            fs.proto.callSites.append(CallSite(method: "", names: names, argumentCount: args.count))
            emit(.call, base, args.count, fs.proto.callSites.count)
        }
        if base != r { emit(.move, r, base) }
    }

    /// A register that holds no local variable.
    func isTemporary(_ r: Int) -> Bool {
        !fs.locals.contains { $0.register == r }
    }

    // MARK: - Conditions

    /// Emits jumps taken when `e` is false; returns them for patching.
    func jumpIfFalse(_ e: Expr) -> [Int] {
        let mark = fs.freeRegister
        defer { freeRegisters(to: mark) }
        let saved = location
        location = e.location
        defer { location = saved }
        switch e.kind {
        case .binary(let op, let l, let rhs) where Self.smallInt(rhs) != nil
            && [.less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual].contains(op):
            // Comparing with a small constant: no register for the constant.
            let a = anyRegister(l)
            let imm = Int(UInt16(bitPattern: Self.smallInt(rhs)!))
            location = e.location
            switch op {
            case .less: return [emit(.jumpUnlessLessInt, a, imm)]
            case .lessEqual: return [emit(.jumpUnlessLessEqualInt, a, imm)]
            case .greater: return [emit(.jumpUnlessGreaterInt, a, imm)]
            case .greaterEqual: return [emit(.jumpUnlessGreaterEqualInt, a, imm)]
            case .equal: return [emit(.jumpUnlessEqualInt, a, imm)]
            default: return [emit(.jumpUnlessNotEqualInt, a, imm)]
            }
        case .binary(let op, let l, let r) where [.less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual].contains(op):
            let a = anyRegister(l)
            let b = anyRegister(r)
            location = e.location
            switch op {
            case .less: return [emit(.jumpUnlessLess, a, b)]
            case .lessEqual: return [emit(.jumpUnlessLessEqual, a, b)]
            case .greater: return [emit(.jumpUnlessLess, b, a)]
            case .greaterEqual: return [emit(.jumpUnlessLessEqual, b, a)]
            case .equal: return [emit(.jumpUnlessEqual, a, b)]
            default: return [emit(.jumpUnlessNotEqual, a, b)]
            }
        case .unary(.not, let x):
            return jumpIfTrue(x)
        case .logical(.and, let l, let r):
            return jumpIfFalse(l) + jumpIfFalse(r)
        case .logical(.or, let l, let r):
            let toBody = jumpIfTrue(l)
            let f = jumpIfFalse(r)
            patchAll(toBody)
            return f
        case .bool(true):
            return []
        default:
            let t = anyRegister(e)
            return [emit(.jumpIfFalse, t)]
        }
    }

    /// The value of an int literal that fits an instruction's 16-bit immediate.
    static func smallInt(_ e: Expr) -> Int16? {
        if case .int(let k) = e.kind { return Int16(exactly: k) }
        return nil
    }

    /// Emits jumps taken when `e` is true.
    func jumpIfTrue(_ e: Expr) -> [Int] {
        let mark = fs.freeRegister
        defer { freeRegisters(to: mark) }
        switch e.kind {
        case .unary(.not, let x):
            return jumpIfFalse(x)
        case .logical(.or, let l, let r):
            return jumpIfTrue(l) + jumpIfTrue(r)
        case .logical(.and, let l, let r):
            let skip = jumpIfFalse(l)
            let t = jumpIfTrue(r)
            patchAll(skip)
            return t
        default:
            let t = anyRegister(e)
            return [emit(.jumpIfTrue, t)]
        }
    }
}
