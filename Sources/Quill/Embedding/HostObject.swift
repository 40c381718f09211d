import QuillLanguage

/// An object the host gives scripts: a type name, properties (read-only or writable) and
/// methods, all Swift closures. Scripts use it like any object (`catalogue.size`,
/// `catalogue.lookup("A-1")`, `type(catalogue)`); it crosses back to the host unchanged as
/// `QuillValue.object`, so host functions can hand out and receive their own objects.
public final class HostObject: Hashable, Sendable {
    /// What `type(x)` returns in scripts.
    public let typeName: String
    let properties: [String: HostProperty]
    let methods: [String: HostFunction]
    /// Member names in declaration order (for "did you mean" hints and REPL completion).
    let memberNames: [String]

    /// An object with the given properties and methods (a repeated name keeps the last).
    public init(typeName: String, properties: [HostProperty] = [], methods: [HostFunction] = []) {
        self.typeName = typeName
        self.properties = Dictionary(properties.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.methods = Dictionary(methods.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        memberNames = properties.map(\.name) + methods.map(\.name)
    }

    /// Host objects are equal when they are the same object.
    public static func == (a: HostObject, b: HostObject) -> Bool { a === b }
    /// Hashes the identity.
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A property of a `HostObject`: a getter, and a setter when scripts may assign it.
public struct HostProperty: Sendable {
    /// The name scripts use.
    public let name: String
    let get: @Sendable () throws -> QuillValue
    let set: (@Sendable (QuillValue) throws -> Void)?

    /// A property read with `get` and, when `set` is given, assignable.
    public init(_ name: String, get: @escaping @Sendable () throws -> QuillValue,
                set: (@Sendable (QuillValue) throws -> Void)? = nil) {
        self.name = name
        self.get = get
        self.set = set
    }

    /// A read-only property with a fixed value.
    public static func constant(_ name: String, _ value: QuillValue) -> HostProperty {
        HostProperty(name, get: { value })
    }
}

/// How a `HostObject` appears inside the VM.
final class HostObjectBox: NativeObject {
    let object: HostObject
    init(_ object: HostObject) { self.object = object }

    override var typeName: String { object.typeName }
    override var memberNames: [String] { object.memberNames }

    override func member(_ name: String, vm: VM) throws -> Value? {
        if let property = object.properties[name] {
            return try HostBridge.guarded("\(object.typeName).\(name)") { try property.get() }.vmValue(owner: HostBridge.owner(of: vm))
        }
        if let method = object.methods[name] {
            return .native(HostBridge.native(method, qualifiedName: "\(object.typeName).\(name)"))
        }
        return nil
    }

    override func setMember(_ name: String, to value: Value, vm: VM) throws -> Bool {
        guard let property = object.properties[name] else { return false }
        guard let set = property.set else {
            throw QuillError("AttributeError", "\(object.typeName).\(name) is read-only")
        }
        let converted = try QuillValue(bridging: value, owner: HostBridge.owner(of: vm))
        try HostBridge.guarded("\(object.typeName).\(name)") { try set(converted) }
        return true
    }
}
