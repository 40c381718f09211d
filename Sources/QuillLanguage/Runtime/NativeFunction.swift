/// A function implemented in Swift: a built-in, a host function, or a method of a built-in type.
///
/// Natives declare their parameter names, so named arguments, arity checks and error messages
/// work the same for every built-in. Optional parameters read as `nil` when not given.
public final class NativeFunction: @unchecked Sendable {
    public typealias Body = (Args) throws -> Value

    public let name: String
    public let parameters: [String]
    /// How many leading parameters must be given.
    public let required: Int
    /// Whether extra positional arguments are accepted (`print`, `max`).
    public let variadic: Bool
    public let body: Body
    /// For a bound method (`let f = xs.push`): the receiver. Nil for plain functions.
    public let receiver: Value
    /// Whether this function is a method that reads `args.receiver`.
    public let isMethod: Bool

    public init(_ name: String, _ parameters: [String] = [], required: Int? = nil, variadic: Bool = false,
                isMethod: Bool = false, receiver: Value = .nil, body: @escaping Body) {
        self.name = name
        self.parameters = parameters
        self.required = required ?? parameters.count
        self.variadic = variadic
        self.body = body
        self.receiver = receiver
        self.isMethod = isMethod
    }

    /// This method bound to a receiver, as a first-class value.
    public func bound(to receiver: Value) -> NativeFunction {
        NativeFunction(name, parameters, required: required, variadic: variadic, isMethod: true,
                       receiver: receiver, body: body)
    }

    /// `name(a, b: ...)` for messages.
    var signature: String { "\(name)(\(parameters.joined(separator: ", ")))" }
}

/// The arguments of one native call, bound to the function's parameters in order.
///
/// `args[i]` is the i-th parameter (or the i-th positional argument of a variadic function),
/// `nil` when it was not given. Typed accessors throw a TypeError naming the function and parameter.
public struct Args {
    public unowned(unsafe) let vm: VM
    /// The value before the dot for methods (`"a,b"` in `"a,b".split(",")`), else nil.
    public let receiver: Value
    @usableFromInline let base: UnsafePointer<Value>
    /// The number of bound values (for variadic natives, the number of positional arguments).
    public let count: Int
    @usableFromInline let function: NativeFunction
    /// For variadic natives: the names of the named arguments stored after the positional ones.
    let names: [String]

    @usableFromInline init(vm: VM, receiver: Value, base: UnsafePointer<Value>, count: Int, function: NativeFunction,
                           names: [String] = []) {
        self.vm = vm
        self.receiver = receiver
        self.base = base
        self.count = count
        self.function = function
        self.names = names
    }

    /// A named argument given to a variadic native (`print(a, b, sep: "-")`), or nil.
    public func named(_ name: String) -> Value? {
        guard let j = names.firstIndex(of: name) else { return nil }
        return base[count + j]
    }

    @inlinable public subscript(i: Int) -> Value { i < count ? base[i] : .nil }

    /// All bound values as an array.
    public var all: [Value] { (0..<count).map { base[$0] } }

    /// Whether argument `i` was given and is not nil.
    public func has(_ i: Int) -> Bool { !self[i].isNil }

    public func paramName(_ i: Int) -> String {
        i < function.parameters.count ? function.parameters[i] : "#\(i + 1)"
    }

    /// A TypeError: "split() argument 'sep' must be a string, not int".
    public func typeError(_ i: Int, expected: String) -> QuillError {
        .type("\(function.name)() argument '\(paramName(i))' must be \(expected), not \(self[i].typeName)")
    }

    public func int(_ i: Int) throws -> Int {
        if case .int(let v) = self[i] { return v }
        if case .float(let d) = self[i], let v = Int(exactly: d) { return v }
        throw typeError(i, expected: "an int")
    }

    public func int(_ i: Int, default d: Int) throws -> Int { self[i].isNil ? d : try int(i) }

    public func double(_ i: Int) throws -> Double {
        switch self[i] {
        case .int(let v): return Double(v)
        case .float(let v): return v
        default: throw typeError(i, expected: "a number")
        }
    }

    public func double(_ i: Int, default d: Double) throws -> Double { self[i].isNil ? d : try double(i) }

    public func string(_ i: Int) throws -> String {
        if case .string(let s) = self[i] { return s.value }
        throw typeError(i, expected: "a string")
    }

    public func string(_ i: Int, default d: String) throws -> String { self[i].isNil ? d : try string(i) }

    public func bool(_ i: Int, default d: Bool) throws -> Bool {
        switch self[i] {
        case .nil: return d
        case .bool(let b): return b
        default: throw typeError(i, expected: "a bool")
        }
    }

    public func list(_ i: Int) throws -> ListObject {
        if case .list(let l) = self[i] { return l }
        throw typeError(i, expected: "a list")
    }

    public func map(_ i: Int) throws -> MapObject {
        if case .map(let m) = self[i] { return m }
        throw typeError(i, expected: "a map")
    }

    /// A function value (Quill or native).
    public func callable(_ i: Int) throws -> Value {
        switch self[i] {
        case .function, .native: return self[i]
        default: throw typeError(i, expected: "a function")
        }
    }

    /// The receiver as a string (for string methods).
    public var receiverString: StringObject {
        if case .string(let s) = receiver { return s }
        preconditionFailure("string method called on \(receiver.typeName)")
    }

    public var receiverList: ListObject {
        if case .list(let l) = receiver { return l }
        preconditionFailure("list method called on \(receiver.typeName)")
    }

    public var receiverMap: MapObject {
        if case .map(let m) = receiver { return m }
        preconditionFailure("map method called on \(receiver.typeName)")
    }
}
