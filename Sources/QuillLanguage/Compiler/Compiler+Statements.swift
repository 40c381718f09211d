/// Statements: bindings, assignment, control flow, functions, errors and imports.
extension CompilerContext {
    func block(_ statements: [Stmt]) {
        beginScope()
        for s in statements { statement(s) }
        endScope()
    }

    func statement(_ s: Stmt) {
        location = s.location
        let mark = fs.freeRegister
        defer { freeRegisterTemporaries(to: mark) }
        switch s.kind {
        case .expression(let e):
            let r = allocRegister()
            expression(e, into: r)
        case .binding(let name, let mutable, let value):
            binding(name, mutable: mutable, at: s.location) { r in
                if let value { self.expression(value, into: r) } else { self.emit(.loadNil, r) }
            }
        case .assign(let target, let op, let value):
            assignment(target, op, value, at: s.location)
        case .function(let decl):
            let name = decl.name ?? "<fn>"
            if atModuleLevel {
                let r = allocRegister()
                emit(.closure, r, 0, function(decl))
                bindGlobal(name, from: r)
            } else {
                // Declare first so the function can call itself.
                let r = allocRegister()
                addLocal(name, register: r, mutable: false, at: s.location)
                location = s.location
                emit(.closure, r, 0, function(decl))
            }
        case .message(let role, let content):
            guard let list = fs.messagesRegister else {
                error("'\(role)' messages belong inside a 'prompt' declaration", at: s.location)
                return
            }
            let r = anyRegister(content)
            emit(.appendMessage, list, r, constant(.str(role)))
        case .ifElse(let condition, let then, let otherwise):
            let falseJumps = jumpIfFalse(condition)
            block(then)
            if let otherwise {
                let end = emit(.jump)
                patchAll(falseJumps)
                block(otherwise)
                patch(end)
            } else {
                patchAll(falseJumps)
            }
        case .whileLoop(let condition, let body):
            whileLoop(condition, body)
        case .forLoop(let names, let iterable, let body):
            forLoop(names, iterable, body, at: s.location)
        case .breakLoop, .continueLoop:
            guard !fs.loops.isEmpty else {
                let word = { if case .breakLoop = s.kind { return "break" } else { return "continue" } }()
                error("'\(word)' outside a loop", at: s.location)
                return
            }
            for _ in fs.loops[fs.loops.count - 1].tryDepth..<fs.tryDepth { emit(.tryEnd) }
            let j = emit(.jump)
            if case .breakLoop = s.kind { fs.loops[fs.loops.count - 1].breakJumps.append(j) }
            else { fs.loops[fs.loops.count - 1].continueJumps.append(j) }
        case .returnValue(let value):
            if fs.isMain {
                error("'return' outside a function", at: s.location, hint: "to stop a script early, call exit()")
                return
            }
            if fs.messagesRegister != nil {
                error("'return' is not allowed in a prompt body; a prompt returns its messages", at: s.location)
                return
            }
            if let value {
                let r = anyRegister(value)
                emit(.ret, r, 1)
            } else {
                emit(.ret, 0, 0)
            }
        case .tryCatch(let body, let name, let handler):
            tryCatch(body, name, handler)
        case .throwError(let value):
            let r = anyRegister(value)
            emit(.throwError, r)
        case .importModule(let path, let name):
            binding(name, mutable: false, at: s.location) { r in
                self.emit(.importModule, r, 0, self.constant(.str(path)))
            }
        }
    }

    /// Frees statement temporaries but keeps registers of locals the statement declared.
    func freeRegisterTemporaries(to mark: Int) {
        let top = fs.locals.last.map { $0.depth == fs.scopeDepth ? $0.register + 1 : 0 } ?? 0
        freeRegisters(to: max(mark, top))
    }

    /// `let`/`var`/`import`: a module slot at the top level, a register elsewhere.
    func binding(_ name: String, mutable: Bool, at loc: SourceLocation, value: (Int) -> Void) {
        if atModuleLevel {
            let r = allocRegister()
            value(r)
            bindGlobal(name, from: r)
        } else {
            let r = allocRegister()
            value(r)
            addLocal(name, register: r, mutable: mutable, at: loc)
        }
    }

    func bindGlobal(_ name: String, from r: Int) {
        guard let slot = module.names[name] else { return }
        emit(.setGlobal, r, 0, slot)
        declared.insert(name)
    }

    // MARK: - Assignment

    func assignment(_ target: Expr, _ op: AssignOp, _ value: Expr, at loc: SourceLocation) {
        // `a op= b` is `a = a op b` with the target's parts evaluated once.
        func combined(_ current: Expr) -> Expr {
            switch op {
            case .assign: return value
            case .compound(let bop): return Expr(.binary(bop, current, value), at: loc)
            case .coalesce: return Expr(.logical(.coalesce, current, value), at: loc)
            }
        }
        switch target.kind {
        case .variable(let name):
            guard let res = resolve(name, at: target.location) else { undefined(name, at: target.location); return }
            let rhs = combined(target)
            switch res {
            case .local(let i):
                let local = fs.locals[i]
                guard local.mutable else { return constantAssignment(name, declaredAt: local.location, at: target.location) }
                if writesTargetLast(rhs) {
                    expression(rhs, into: local.register)
                } else {
                    let t = allocRegister()
                    expression(rhs, into: t)
                    emit(.move, local.register, t)
                }
            case .upvalue(let u):
                if !upvalueIsMutable(fs, name) { return constantAssignment(name, declaredAt: nil, at: target.location) }
                let t = allocRegister()
                expression(rhs, into: t)
                emit(.setUpvalue, t, u)
            case .global(let slot):
                guard module.isMutable(slot) else {
                    return constantAssignment(name, declaredAt: module.declarationLocation(slot), at: target.location)
                }
                let t = allocRegister()
                expression(rhs, into: t)
                location = loc
                emit(.setGlobal, t, 0, slot)
            case .builtin:
                error("cannot assign to built-in '\(name)'", at: target.location,
                      hint: "declare your own with 'var \(name) = ...' to shadow it")
            }
        case .member(let object, let name):
            let o = anyRegister(object)
            let t = allocRegister()
            if case .assign = op {
                expression(value, into: t)
            } else {
                location = target.location
                emit(.getMember, t, o, constant(.str(name)))
                compoundValue(op, current: t, value, at: loc)
            }
            location = loc
            emit(.setMember, o, constant(.str(name)), t)
        case .index(let object, let index):
            let o = anyRegister(object)
            let i = anyRegister(index)
            let t = allocRegister()
            if case .assign = op {
                expression(value, into: t)
            } else {
                location = target.location
                emit(.getIndex, t, o, i)
                compoundValue(op, current: t, value, at: loc)
            }
            location = loc
            emit(.setIndex, o, i, t)
        default:
            error("cannot assign to this expression", at: target.location,
                  hint: "the left side of '=' must be a variable, a member (a.b) or an index (a[i])")
        }
    }

    /// Computes `current op value` into `current` for compound assignment to members and indexes.
    func compoundValue(_ op: AssignOp, current t: Int, _ value: Expr, at loc: SourceLocation) {
        switch op {
        case .assign: break
        case .compound(let bop):
            let v = anyRegister(value)
            location = loc
            arithmetic(bop, into: t, t, v)
        case .coalesce:
            let skip = emit(.jumpIfNotNil, t)
            expression(value, into: t)
            patch(skip)
        }
    }

    func constantAssignment(_ name: String, declaredAt: SourceLocation?, at loc: SourceLocation) {
        let whereText = declaredAt.map { $0 == .unknown ? "" : " (declared at line \($0.line))" } ?? ""
        error("cannot assign to '\(name)': it is a constant\(whereText)", at: loc,
              hint: "declare it with 'var' instead of 'let' to allow assignment")
    }

    /// Whether the captured variable `name` was declared with `var`.
    func upvalueIsMutable(_ f: FunctionState, _ name: String) -> Bool {
        var s = f.parent
        while let p = s {
            if let i = p.findLocal(name) { return p.locals[i].mutable }
            s = p.parent
        }
        return false
    }

    /// True when compiling `e` straight into a variable's register is safe: the register is
    /// written only after every operand was read.
    func writesTargetLast(_ e: Expr) -> Bool {
        switch e.kind {
        case .binary, .unary, .nilLiteral, .bool, .int, .float, .string, .member, .index: return true
        default: return false
        }
    }

    // MARK: - Loops

    func whileLoop(_ condition: Expr, _ body: [Stmt]) {
        let start = here
        let exits = jumpIfFalse(condition)
        fs.loops.append(LoopState(tryDepth: fs.tryDepth))
        let bodyRegister = fs.freeRegister
        beginScope()
        for s in body { statement(s) }
        let captured = capturedRegister(fromDepth: fs.scopeDepth)
        let loop = fs.loops.removeLast()
        patchAll(loop.continueJumps)
        endScope()
        jumpBack(to: start)
        patchAll(exits)
        if !loop.breakJumps.isEmpty {
            patchAll(loop.breakJumps)
            if captured != nil { emit(.close, bodyRegister) }
        }
    }

    func forLoop(_ names: [String], _ iterable: Expr, _ body: [Stmt], at loc: SourceLocation) {
        // Hidden state: R[a] the iterable (or step), R[a+1] position, R[a+2] limit; then the variables.
        let a = allocRegister()
        _ = allocRegister()
        _ = allocRegister()
        expression(iterable, into: a)
        location = loc
        let prepare = emit(.forPrepare, a, names.count)
        fs.loops.append(LoopState(tryDepth: fs.tryDepth))
        beginScope()
        for name in names {
            let r = allocRegister()
            addLocal(name, register: r, mutable: false, at: loc)
        }
        let bodyStart = here
        for s in body { statement(s) }
        let captured = capturedRegister(fromDepth: fs.scopeDepth)
        let loop = fs.loops.removeLast()
        patchAll(loop.continueJumps)
        endScope()
        patch(prepare)
        location = loc
        let next = emit(.forNext, a, names.count)
        patch(next, to: bodyStart)
        if !loop.breakJumps.isEmpty {
            patchAll(loop.breakJumps)
            if captured != nil { emit(.close, a + 3) }
        }
    }

    // MARK: - Errors

    func tryCatch(_ body: [Stmt], _ name: String?, _ handler: [Stmt]) {
        let errorRegister = allocRegister()
        let begin = emit(.tryBegin, errorRegister)
        fs.tryDepth += 1
        block(body)
        fs.tryDepth -= 1
        emit(.tryEnd)
        let end = emit(.jump)
        patch(begin)
        beginScope()
        if let name { addLocal(name, register: errorRegister, mutable: false, at: location) }
        for s in handler { statement(s) }
        endScope()
        patch(end)
    }

    // MARK: - Functions

    /// Compiles a function or prompt body; returns its prototype's index in the current function.
    func function(_ decl: FunctionDecl) -> Int {
        let name = decl.name ?? "<lambda>"
        if decl.parameters.count > 64 {
            error("a function may have at most 64 parameters", at: decl.location)
        }
        let proto = FunctionProto(name: name, file: file, module: module, location: decl.location,
                                  parameters: decl.parameters.map(\.name),
                                  hasDefault: decl.parameters.map { $0.defaultValue != nil })
        let outer = fs!
        let outerLocation = location
        fs = FunctionState(proto: proto, parent: outer, isMain: false)
        beginScope()
        var seen: Set<String> = []
        for p in decl.parameters {
            if !seen.insert(p.name).inserted { error("duplicate parameter '\(p.name)'", at: p.location) }
            let r = allocRegister()
            fs.locals.append(Local(name: p.name, register: r, mutable: true, location: p.location, depth: fs.scopeDepth))
        }
        // Defaults are evaluated at call time, in order, so they may refer to earlier parameters.
        for (i, p) in decl.parameters.enumerated() {
            guard let d = p.defaultValue else { continue }
            location = p.location
            let skip = emit(.skipIfGiven, i)
            let t = allocRegister()
            expression(d, into: t)
            emit(.move, i, t)
            freeRegisters(to: t)
            patch(skip)
        }
        if let source = decl.promptSource {
            let r = allocRegister()
            location = decl.location
            emit(.newList, r, 0, 0)
            fs.messagesRegister = r
            proto.promptHash = TemplateHash.hex(of: source)
        }
        for s in decl.body { statement(s) }
        location = decl.body.last?.location ?? decl.location
        if let r = fs.messagesRegister {
            let t = allocRegister()
            emit(.makePrompt, t, r)
            emit(.ret, t, 1)
        } else {
            emit(.ret, 0, 0)
        }
        proto.finish()
        fs = outer
        location = outerLocation
        outer.proto.prototypes.append(proto)
        return outer.proto.prototypes.count - 1
    }
}
