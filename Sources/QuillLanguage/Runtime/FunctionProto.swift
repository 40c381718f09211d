/// How a closure finds a captured variable when it is created.
public struct UpvalueDescriptor: Sendable {
    /// True: a register of the enclosing function; false: an upvalue of the enclosing closure.
    public var fromParentRegister: Bool
    public var index: Int
    public var name: String
}

/// A call site with named arguments or a method name; instructions refer to it by index.
public final class CallSite {
    /// The method name for `invoke`; empty for plain calls.
    public let method: String
    /// Names of the trailing named arguments, in order (empty when all are positional).
    public let names: [String]
    /// Inline cache for `invoke` on built-in types: the receiver's tag and the method found.
    @exclusivity(unchecked) var cachedTag: UInt8 = 255
    @exclusivity(unchecked) var cachedMethod: NativeFunction?

    /// True for `x.push(v)` with one positional argument, compiled to `invokePush`: on a list
    /// the VM appends directly, skipping method lookup and argument binding (CPython 3.11
    /// specializes `list.append` alike).
    let isPush: Bool

    init(method: String, names: [String], argumentCount: Int) {
        self.method = method
        self.names = names
        isPush = method == "push" && names.isEmpty && argumentCount == 1
    }
}

/// A compiled function: bytecode, constants, nested prototypes and debug information.
public final class FunctionProto {
    public let name: String
    public let file: SourceFile
    public let module: Module
    public let location: SourceLocation
    public let parameters: [String]
    /// Which parameters have a default value (and so may be omitted).
    public let hasDefault: [Bool]
    /// `parameters.count`, and the `given` mask with every parameter passed (the VM's fast call path).
    let parameterCount: Int
    let allGiven: UInt64
    @exclusivity(unchecked) public internal(set) var registerCount = 0
    public internal(set) var code: [Instruction] = []
    /// The source location of each instruction, for errors and stack traces.
    public internal(set) var locations: [SourceLocation] = []
    public internal(set) var constants: [Value] = []
    @exclusivity(unchecked) public internal(set) var prototypes: [FunctionProto] = []
    public internal(set) var upvalues: [UpvalueDescriptor] = []
    @exclusivity(unchecked) public internal(set) var callSites: [CallSite] = []
    /// For `prompt` declarations: the template's name and hash.
    @exclusivity(unchecked) public internal(set) var promptHash: String?

    /// Stable copies of `code` and `constants` that the VM reads through raw pointers.
    @exclusivity(unchecked) private(set) var codePointer: UnsafeMutablePointer<Instruction>
    @exclusivity(unchecked) private(set) var constantPointer: UnsafeMutablePointer<Value>

    init(name: String, file: SourceFile, module: Module, location: SourceLocation, parameters: [String], hasDefault: [Bool]) {
        self.name = name
        self.file = file
        self.module = module
        self.location = location
        self.parameters = parameters
        self.hasDefault = hasDefault
        parameterCount = parameters.count
        allGiven = parameters.count >= 64 ? ~0 : (UInt64(1) << UInt64(parameters.count)) &- 1
        codePointer = .allocate(capacity: 1)
        constantPointer = .allocate(capacity: 1)
        constantPointer.initialize(to: .nil)
    }

    /// Copies code and constants into pointer storage once compilation is done.
    func finish() {
        codePointer.deallocate()
        codePointer = .allocate(capacity: max(1, code.count))
        codePointer.initialize(from: code, count: code.count)
        constantPointer.deinitialize(count: 1)
        constantPointer.deallocate()
        constantPointer = .allocate(capacity: max(1, constants.count))
        constantPointer.initialize(from: constants, count: constants.count)
        if constants.isEmpty { constantPointer.initialize(to: .nil) }
    }

    deinit {
        codePointer.deallocate()
        constantPointer.deinitialize(count: max(1, constants.count))
        constantPointer.deallocate()
    }
}

/// A variable captured by a closure. While the variable's frame is live the upvalue points into
/// the VM stack (which never moves); when the frame ends (or the loop iteration or block) it is closed: the value
/// moves into the upvalue's own cell, and every closure sharing it keeps seeing the same variable.
public final class Upvalue {
    @exclusivity(unchecked) var pointer: UnsafeMutablePointer<Value>
    let stackIndex: Int
    @exclusivity(unchecked) private var cell: UnsafeMutablePointer<Value>?

    init(stack: UnsafeMutablePointer<Value>, index: Int) {
        self.stackIndex = index
        self.pointer = stack + index
    }

    /// Moves the variable off the stack.
    func close() {
        let c = UnsafeMutablePointer<Value>.allocate(capacity: 1)
        c.initialize(to: pointer.pointee)
        cell = c
        pointer = c
    }

    deinit {
        if let c = cell {
            c.deinitialize(count: 1)
            c.deallocate()
        }
    }
}

/// A Quill function value: a prototype and the variables it captured.
public final class Closure {
    public let proto: FunctionProto
    let upvalues: [Upvalue]

    init(proto: FunctionProto, upvalues: [Upvalue]) {
        self.proto = proto
        self.upvalues = upvalues
    }

    public var name: String { proto.name }
}
