/// A compilation unit's top-level variables: one per script file, stdlib module or REPL session.
///
/// Top-level `let`, `var`, `fn`, `prompt` and `import` bindings live in numbered slots that the
/// compiler resolves ahead of time, so reading one is an array access, not a name lookup.
public final class Module {
    public let name: String
    public let file: SourceFile?
    /// Slot storage; reallocated only between compilations (the REPL adds bindings line by line).
    @exclusivity(unchecked) private(set) var slots: UnsafeMutablePointer<Value>
    private(set) var capacity: Int
    /// Name → slot, in declaration order.
    public private(set) var names: [String: Int] = [:]
    private(set) var order: [String] = []
    /// Per slot: declared with `var` (else `let`), and where.
    private(set) var mutable: [Bool] = []
    private(set) var declaredAt: [SourceLocation] = []

    public init(name: String, file: SourceFile?) {
        self.name = name
        self.file = file
        capacity = 16
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: .nil, count: capacity)
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
    }

    public var count: Int { order.count }

    /// The slot of a name, adding one when the name is new.
    @discardableResult
    func declare(_ name: String, mutable isMutable: Bool, at location: SourceLocation) -> Int {
        if let slot = names[name] {
            mutable[slot] = isMutable
            declaredAt[slot] = location
            return slot
        }
        let slot = order.count
        if slot == capacity {
            let bigger = UnsafeMutablePointer<Value>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: slots, count: capacity)
            (bigger + capacity).initialize(repeating: .nil, count: capacity)
            slots.deallocate()
            slots = bigger
            capacity *= 2
        }
        names[name] = slot
        order.append(name)
        mutable.append(isMutable)
        declaredAt.append(location)
        return slot
    }

    func isMutable(_ slot: Int) -> Bool { mutable[slot] }
    func declarationLocation(_ slot: Int) -> SourceLocation { declaredAt[slot] }

    /// Reads a top-level binding by name (for hosts and the REPL).
    public subscript(name: String) -> Value? {
        guard let slot = names[name] else { return nil }
        return slots[slot]
    }

    /// Sets or adds a top-level binding from the host.
    public func define(_ name: String, _ value: Value, mutable isMutable: Bool = false) {
        let slot = declare(name, mutable: isMutable, at: .unknown)
        slots[slot] = value
    }

    /// The top-level names in declaration order.
    public var bindingNames: [String] { order }
}

/// A module as a script sees it after `import "x" as m`: `m.name` reads its top-level bindings.
public final class ModuleObject: NativeObject {
    public let module: Module
    public init(_ module: Module) { self.module = module }

    public override var typeName: String { "module" }
    public override var description: String { "<module \(module.name)>" }
    public override func member(_ name: String, vm: VM) throws -> Value? { module[name] }
    public override var memberNames: [String] { module.bindingNames }
}

/// A fixed set of named values: the `math`, `json`, `time`, `regex` and `random` namespaces.
public final class NamespaceObject: NativeObject {
    public let name: String
    public private(set) var members: [String: Value]

    public init(_ name: String, _ members: [String: Value]) {
        self.name = name
        self.members = members
    }

    public override var typeName: String { "module" }
    public override var description: String { "<module \(name)>" }
    public override func member(_ name: String, vm: VM) throws -> Value? { members[name] }
    public override var memberNames: [String] { members.keys.sorted() }
}
