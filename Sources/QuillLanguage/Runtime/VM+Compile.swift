/// Compiling and running source text.
extension VM {
    /// The built-in globals every module sees, made once per VM.
    public var builtins: [String: Value] {
        if let b = builtinTable { return b }
        let b = CoreLibrary.globals(vm: self)
        builtinTable = b
        return b
    }

    /// Parses and compiles a file into `module`. Throws a `CompileError` listing every problem.
    public func compile(_ file: SourceFile, into module: Module, interactive: Bool = false) throws -> FunctionProto {
        var parser = Parser(file: file)
        let statements = parser.parse()
        if !parser.diagnostics.isEmpty { throw CompileError(file: file, diagnostics: parser.diagnostics) }
        return try Compiler.compile(statements, file: file, module: module, builtins: builtins,
                                    options: .init(interactive: interactive))
    }

    /// Compiles and runs source text as a new module; returns the module.
    @discardableResult
    public func run(source: String, name: String) throws -> Module {
        let file = SourceFile(name: name, text: source)
        let module = Module(name: name, file: file)
        let proto = try compile(file, into: module)
        _ = try run(proto)
        return module
    }
}

extension VM {
    /// Adds a global visible to every module compiled afterwards (host functions, constants).
    public func defineGlobal(_ name: String, _ value: Value) {
        var b = builtins
        b[name] = value
        builtinTable = b
    }
}
