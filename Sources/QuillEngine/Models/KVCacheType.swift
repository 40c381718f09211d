import Foundation

/// The element type of a KV cache.
public enum KVCacheType: String, Sendable, CaseIterable {
    /// Exact attention over the keys and values as computed; the closest match to llama.cpp's
    /// logits (the default).
    case f32
    /// Keys and values rounded to half precision as they are stored (llama.cpp's default
    /// cache type): half the memory, and half the bytes a token decoded after a long context
    /// reads. The attention arithmetic stays f32.
    case f16

    /// Bytes per cached element.
    public var elementBytes: Int { self == .f32 ? 4 : 2 }

    /// The environment variable that sets the cache type of models loaded without one given
    /// (scripts, the REPL, `quill serve`).
    public static let environmentVariable = "QUILL_KV_CACHE_TYPE"

    /// The type `environmentVariable` names, or f32 when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KVCacheType {
        guard let name = environment[environmentVariable], !name.isEmpty else { return .f32 }
        guard let type = KVCacheType(rawValue: name.lowercased()) else {
            throw ModelError("\(environmentVariable)='\(name)' is not a KV cache type: use f32 or f16")
        }
        return type
    }
}
