/// The syntax tree. Every node carries the location of its first token (or its operator).

/// An expression node.
public struct Expr: Sendable {
    public var kind: ExprKind
    public var location: SourceLocation
    public init(_ kind: ExprKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public indirect enum ExprKind: Sendable {
    case nilLiteral
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// `"a\(x)b"`: literal text and expressions, in order. Empty texts are omitted.
    case interpolated([StringPart])
    case variable(String)
    case list([Expr])
    /// `{a: 1, "b c": 2, [k]: 3}`: identifier keys are string keys; `[expr]` keys are computed.
    case map([(key: Expr, value: Expr)])
    case unary(UnaryOp, Expr)
    case binary(BinaryOp, Expr, Expr)
    /// `and`, `or`, `??`: the right side is evaluated only when needed.
    case logical(LogicalOp, Expr, Expr)
    /// `a..b` (inclusive) and `a..<b` (exclusive).
    case range(Expr, Expr, inclusive: Bool)
    case call(Expr, [CallArgument])
    /// `obj.name`
    case member(Expr, String)
    /// `obj[index]`
    case index(Expr, Expr)
    /// `obj[lo:hi]`, either bound may be absent.
    case slice(Expr, Expr?, Expr?)
    /// `fn(x) => e` or `fn(x) { ... }`
    case lambda(FunctionDecl)
}

public enum StringPart: Sendable {
    case text(String)
    case expr(Expr)
}

/// A call argument: positional when `name` is nil, else `name: value`.
public struct CallArgument: Sendable {
    public var name: String?
    public var value: Expr
    public var location: SourceLocation
    public init(name: String?, value: Expr, location: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
    }
}

public enum UnaryOp: Sendable { case negate, not }

public enum BinaryOp: Sendable {
    case add, subtract, multiply, divide, floorDivide, modulo, power
    case equal, notEqual, less, lessEqual, greater, greaterEqual
    /// `a in b` and `a not in b`
    case contains, notContains
}

public enum LogicalOp: Sendable { case and, or, coalesce }

/// A function parameter: `name` or `name: default`.
public struct Parameter: Sendable {
    public var name: String
    public var defaultValue: Expr?
    public var location: SourceLocation
    public init(name: String, defaultValue: Expr?, location: SourceLocation) {
        self.name = name
        self.defaultValue = defaultValue
        self.location = location
    }
}

/// A function: a declaration, a lambda, or a prompt template.
public final class FunctionDecl: Sendable {
    /// The declared name; lambdas get nil.
    public let name: String?
    public let parameters: [Parameter]
    /// The body. A `fn(x) => e` lambda is a body of one `return e`.
    public let body: [Stmt]
    public let location: SourceLocation
    /// For `prompt` declarations: the exact source text of the declaration, hashed into the template hash.
    public let promptSource: String?

    public init(name: String?, parameters: [Parameter], body: [Stmt], location: SourceLocation, promptSource: String? = nil) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.location = location
        self.promptSource = promptSource
    }

    public var isPrompt: Bool { promptSource != nil }
}

/// A statement node.
public struct Stmt: Sendable {
    public var kind: StmtKind
    public var location: SourceLocation
    public init(_ kind: StmtKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public enum AssignOp: Sendable {
    case assign
    case compound(BinaryOp)
    /// `a ??= b`
    case coalesce
}

public indirect enum StmtKind: Sendable {
    case expression(Expr)
    /// `let x = e` / `var x = e` / `var x`
    case binding(name: String, mutable: Bool, value: Expr?)
    /// `target op= value`; the target is a variable, member or index expression.
    case assign(target: Expr, op: AssignOp, value: Expr)
    /// `fn name(...) { }` and `prompt name(...) { }`
    case function(FunctionDecl)
    /// `system e`, `user e`, `assistant e` inside a prompt body.
    case message(role: String, content: Expr)
    /// `if c { } else if d { } else { }`: else-if chains nest in `otherwise`.
    case ifElse(condition: Expr, then: [Stmt], otherwise: [Stmt]?)
    case whileLoop(condition: Expr, body: [Stmt])
    /// `for x in e { }` or `for k, v in e { }`
    case forLoop(names: [String], iterable: Expr, body: [Stmt])
    case breakLoop
    case continueLoop
    case returnValue(Expr?)
    /// `try { } catch e { }`; the name is optional.
    case tryCatch(body: [Stmt], errorName: String?, handler: [Stmt])
    case throwError(Expr)
    /// `import "path"` or `import "path" as name`; `binding` is the name the module is bound to.
    case importModule(path: String, binding: String)
}
