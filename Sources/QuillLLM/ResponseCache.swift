import Foundation
import QuillEngine

/// Responses stored on disk, keyed by everything that decides them: the model's identity,
/// the input, the parameters (seed included) and the output constraint.
///
/// Each entry is one JSON file named by a hash of its key; the file also holds the key
/// itself, compared on lookup, so a hash collision is a miss rather than a wrong answer.
/// Entries are written to a temporary file and renamed, so a crash never leaves half of one.
public final class ResponseCache: @unchecked Sendable {
    public let directory: String

    /// The cache under `$QUILL_HOME/cache/responses` (or the given directory).
    public init(directory: String? = nil) {
        self.directory = directory ?? ModelStore().home + "/cache/responses"
    }

    /// The key of a request to a model.
    public func key(for request: LLMRequest, model: any LanguageModel) -> String {
        let input: JSONValue
        switch request.input {
        case .messages(let messages):
            input = .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
        case .text(let text):
            input = .string(text)
        }
        return JSONValue.object([
            ("model", .string(model.cacheIdentity)), ("input", input), ("parameters", request.parameters.json),
            ("constraint", request.constraint?.json ?? .null),
        ]).serialized
    }

    public func lookup(_ key: String) -> LLMResponse? {
        guard let data = FileManager.default.contents(atPath: path(for: key)),
              let entry = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
              case .object(let fields) = entry,
              fields.first(where: { $0.key == "key" })?.value == .string(key),
              let stored = fields.first(where: { $0.key == "response" })?.value else { return nil }
        return LLMResponse(cached: stored)
    }

    public func store(_ response: LLMResponse, for key: String) {
        let file = path(for: key)
        let folder = (file as NSString).deletingLastPathComponent
        let entry = JSONValue.object([("key", .string(key)), ("response", response.json)]).serialized
        let temporary = folder + "/.tmp-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try entry.write(toFile: temporary, atomically: false, encoding: .utf8)
            if rename(temporary, file) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
        } catch {
            // A cache that cannot be written is only a slower run; the response itself is fine.
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    func path(for key: String) -> String {
        let hash = StableHash.hex128(key)
        return "\(directory)/\(hash.prefix(2))/\(hash).json"
    }
}
