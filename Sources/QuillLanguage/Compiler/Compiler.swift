/// Turns a parsed file into bytecode for the register VM.
///
/// Variables are resolved here, once: function locals become registers, captured variables
/// become upvalues, top-level bindings become module slots, and built-ins become constants.
/// Nothing is looked up by name at run time.
public struct Compiler {
    public struct Options {
        /// REPL mode: top-level names may be declared again, and the value of a final expression
        /// statement is returned from the top-level code.
        public var interactive = false
        public init(interactive: Bool = false) { self.interactive = interactive }
    }

    /// Compiles a file's top level. Throws every error found (not just the first).
    public static func compile(_ statements: [Stmt], file: SourceFile, module: Module,
                               builtins: [String: Value], options: Options = Options()) throws(CompileError) -> FunctionProto {
        let c = CompilerContext(file: file, module: module, builtins: builtins, options: options)
        let proto = c.compileMain(statements)
        if !c.diagnostics.isEmpty { throw CompileError(file: file, diagnostics: c.diagnostics) }
        return proto
    }
}

/// A local variable living in a register.
struct Local {
    var name: String
    var register: Int
    var mutable: Bool
    var captured = false
    var location: SourceLocation
    var depth: Int
}

/// A loop being compiled: where `break` and `continue` go.
struct LoopState {
    var breakJumps: [Int] = []
    var continueJumps: [Int] = []
    /// `try` blocks open when the loop began; leaving the loop drops the ones opened inside it.
    var tryDepth: Int
}

/// Where a name refers to.
enum Resolution {
    case local(Int)          // index into `locals`
    case upvalue(Int)
    case global(Int)         // module slot
    case builtin(Value)
}

/// The state of one function being compiled.
final class FunctionState {
    let proto: FunctionProto
    let parent: FunctionState?
    var locals: [Local] = []
    var scopeDepth = 0
    var freeRegister = 0
    var loops: [LoopState] = []
    var tryDepth = 0
    var constantIndex: [Value: Int] = [:]
    var upvalueIndex: [String: Int] = [:]
    /// The first free register when each open scope began.
    var scopeRegisters: [Int] = []
    /// For prompt bodies: the register holding the message list.
    var messagesRegister: Int?
    let isMain: Bool

    init(proto: FunctionProto, parent: FunctionState?, isMain: Bool) {
        self.proto = proto
        self.parent = parent
        self.isMain = isMain
    }

    func findLocal(_ name: String) -> Int? {
        var i = locals.count - 1
        while i >= 0 {
            if locals[i].name == name { return i }
            i -= 1
        }
        return nil
    }
}

/// The compiler proper; its methods are split across files by grammar area.
final class CompilerContext {
    let file: SourceFile
    let module: Module
    let builtins: [String: Value]
    let options: Compiler.Options
    var diagnostics: [Diagnostic] = []
    var fs: FunctionState!
    /// Module names whose declaration has been compiled (top-level code may not read a name earlier).
    var declared: Set<String> = []
    /// Module names declared in this compilation (for duplicate checks).
    var declaredHere: [String: SourceLocation] = [:]
    var location = SourceLocation.unknown

    init(file: SourceFile, module: Module, builtins: [String: Value], options: Compiler.Options) {
        self.file = file
        self.module = module
        self.builtins = builtins
        self.options = options
        declared = Set(module.bindingNames)
    }

    func error(_ message: String, at loc: SourceLocation, hint: String? = nil) {
        guard diagnostics.count < 100 else { return }
        diagnostics.append(Diagnostic(message, at: loc, hint: hint))
    }

    // MARK: - Top level

    func compileMain(_ statements: [Stmt]) -> FunctionProto {
        let proto = FunctionProto(name: "<main>", file: file, module: module, location: SourceLocation(line: 1, column: 1),
                                  parameters: [], hasDefault: [])
        fs = FunctionState(proto: proto, parent: nil, isMain: true)
        predeclare(statements)
        for (i, s) in statements.enumerated() {
            if options.interactive, i == statements.count - 1, case .expression(let e) = s.kind {
                location = s.location
                let r = allocRegister()
                expression(e, into: r)
                emit(.ret, r, 1)
                freeRegisters(to: r)
                continue
            }
            statement(s)
        }
        emit(.ret, 0, 0)
        proto.finish()
        return proto
    }

    /// Reserves module slots for every top-level binding first, so functions may refer to
    /// each other (and to later bindings) regardless of order.
    func predeclare(_ statements: [Stmt]) {
        for s in statements {
            let name: String
            var mutable = false
            switch s.kind {
            case .binding(let n, let m, _): name = n; mutable = m
            case .function(let d): name = d.name ?? ""
            case .importModule(_, let b): name = b
            default: continue
            }
            if let earlier = declaredHere[name], !options.interactive {
                error("'\(name)' is already declared at line \(earlier.line)", at: s.location,
                      hint: "choose another name, or assign to it with 'var' and '='")
                continue
            }
            declaredHere[name] = s.location
            if !options.interactive { declared.remove(name) }
            module.declare(name, mutable: mutable, at: s.location)
        }
    }

    // MARK: - Emitting

    @discardableResult
    func emit(_ op: Opcode, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0) -> Int {
        fs.proto.code.append(Instruction(op, a, b, c))
        fs.proto.locations.append(location)
        return fs.proto.code.count - 1
    }

    var here: Int { fs.proto.code.count }

    /// Points a forward jump at the current position.
    func patch(_ jump: Int) { patch(jump, to: here) }

    func patch(_ jump: Int, to target: Int) {
        fs.proto.code[jump].c = Int32(target - (jump + 1))
    }

    func patchAll(_ jumps: [Int]) { for j in jumps { patch(j) } }

    /// Emits a backward jump to `target`.
    func jumpBack(to target: Int) {
        let j = emit(.jump)
        patch(j, to: target)
    }

    func constant(_ v: Value) -> Int {
        let key: Value?
        switch v {
        case .int, .string, .bool: key = v
        case .float(let d): key = d.isNaN ? nil : .str("#f\(d.bitPattern)")
        default: key = nil
        }
        if let key, let i = fs.constantIndex[key] { return i }
        let i = fs.proto.constants.count
        if i >= Int(UInt16.max) { error("function has too many constants; split it into smaller functions", at: location) }
        fs.proto.constants.append(v)
        if let key { fs.constantIndex[key] = i }
        return i
    }

    func allocRegister() -> Int {
        let r = fs.freeRegister
        fs.freeRegister += 1
        if fs.freeRegister > fs.proto.registerCount {
            fs.proto.registerCount = fs.freeRegister
            if fs.freeRegister == 60_000 {
                error("function needs too many registers; split it into smaller functions", at: location)
            }
        }
        return r
    }

    func freeRegisters(to r: Int) { fs.freeRegister = r }

    // MARK: - Scopes

    func beginScope() {
        fs.scopeDepth += 1
        fs.scopeRegisters.append(fs.freeRegister)
    }

    /// Ends a block: drops its locals, closes the ones closures captured, frees its registers.
    func endScope() {
        let depth = fs.scopeDepth
        if let r = capturedRegister(fromDepth: depth) { emit(.close, r) }
        while let last = fs.locals.last, last.depth >= depth { fs.locals.removeLast() }
        fs.scopeDepth -= 1
        freeRegisters(to: fs.scopeRegisters.removeLast())
    }

    /// Whether any local declared at or above `depth` is captured (its register needs closing).
    func capturedRegister(fromDepth depth: Int) -> Int? {
        var lowest: Int?
        for l in fs.locals.reversed() where l.depth >= depth {
            if l.captured { lowest = min(lowest ?? l.register, l.register) }
        }
        return lowest
    }

    /// Declares a local in the current scope (the register must already be allocated).
    func addLocal(_ name: String, register: Int, mutable: Bool, at loc: SourceLocation) {
        if let i = fs.findLocal(name), fs.locals[i].depth == fs.scopeDepth {
            error("'\(name)' is already declared in this scope (at line \(fs.locals[i].location.line))", at: loc,
                  hint: "to change it, declare it with 'var' and assign with '='")
        }
        fs.locals.append(Local(name: name, register: register, mutable: mutable, location: loc, depth: fs.scopeDepth))
    }

    /// True when a declaration at this point binds a module slot rather than a register.
    var atModuleLevel: Bool { fs.isMain && fs.scopeDepth == 0 }

    // MARK: - Names

    func resolve(_ name: String, at loc: SourceLocation) -> Resolution? {
        if let i = fs.findLocal(name) { return .local(i) }
        if let u = resolveUpvalue(fs, name) { return .upvalue(u) }
        if let slot = module.names[name] {
            // Top-level code runs in order: reading a binding before its declaration is a mistake.
            if fs.isMain && !declared.contains(name) {
                if let b = builtins[name] { return .builtin(b) }
                error("'\(name)' is used before its declaration at line \(module.declarationLocation(slot).line)", at: loc)
            }
            return .global(slot)
        }
        if let b = builtins[name] { return .builtin(b) }
        return nil
    }

    /// What a name refers to, or nil, without reporting anything (for optimizations that only
    /// apply to built-ins). Only names that cannot be a local, upvalue or module binding qualify.
    func resolveQuietly(_ name: String) -> Resolution? {
        var f: FunctionState? = fs
        while let s = f {
            if s.findLocal(name) != nil { return nil }
            f = s.parent
        }
        if module.names[name] != nil { return nil }
        return builtins[name].map(Resolution.builtin)
    }

    func resolveUpvalue(_ f: FunctionState, _ name: String) -> Int? {
        guard let parent = f.parent else { return nil }
        if let existing = f.upvalueIndex[name] { return existing }
        if let i = parent.findLocal(name) {
            parent.locals[i].captured = true
            return addUpvalue(f, fromParentRegister: true, index: parent.locals[i].register, name: name)
        }
        if let u = resolveUpvalue(parent, name) {
            return addUpvalue(f, fromParentRegister: false, index: u, name: name)
        }
        return nil
    }

    func addUpvalue(_ f: FunctionState, fromParentRegister: Bool, index: Int, name: String) -> Int {
        let i = f.proto.upvalues.count
        f.proto.upvalues.append(UpvalueDescriptor(fromParentRegister: fromParentRegister, index: index, name: name))
        f.upvalueIndex[name] = i
        return i
    }

    /// Every name visible here, for "did you mean" hints.
    func visibleNames() -> [String] {
        var names: [String] = []
        var f: FunctionState? = fs
        while let s = f {
            names += s.locals.map(\.name)
            f = s.parent
        }
        return names + module.bindingNames + builtins.keys
    }

    func undefined(_ name: String, at loc: SourceLocation) {
        error("undefined variable '\(name)'", at: loc, hint: Suggestion.hint(for: name, in: visibleNames()))
    }
}
