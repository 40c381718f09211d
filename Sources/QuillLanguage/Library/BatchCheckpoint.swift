/// Where `batch(…, checkpoint: "name")` keeps the results of finished items, so that a run
/// stopped by a crash or Ctrl-C can be started again and skip them. The host provides it
/// (`quill run`: the run store); the language only asks for and hands over results.
///
/// Results are JSON text. `save` must be durable when it returns: an item is only as safe as
/// its saved result.
public protocol CheckpointStore: AnyObject, Sendable {
    /// The saved result of an item, or nil when it has none.
    func result(checkpoint: String, key: String) -> String?
    /// Saves a finished item's result.
    func save(checkpoint: String, key: String, result: String) throws
}

/// One checkpointed batch: names each item by its position and content (so a list that
/// changed between runs does not reuse an answer for a different item), and reads and
/// writes results as JSON.
struct BatchCheckpoint {
    let store: CheckpointStore
    let name: String

    /// The key of item `index`: its position and a hash (SHA-256, 64 bits) of its JSON form.
    func key(_ index: Int, _ item: Value) -> String {
        let text = (try? JSON.encode(item, sortKeys: true)) ?? item.typeName
        return "\(index):\(TemplateHash.hex(of: text, digits: 16))"
    }

    /// The saved result of an item from an earlier run, if any (one that no longer decodes is
    /// treated as missing and the item runs again).
    func saved(_ index: Int, _ item: Value) -> Value? {
        guard let text = store.result(checkpoint: name, key: key(index, item)) else { return nil }
        return try? JSON.decode(text)
    }

    /// Saves a finished item's result; a result with no JSON form is an error for that item.
    func save(_ index: Int, _ item: Value, result: Value) throws {
        let text: String
        do {
            text = try JSON.encode(result, sortKeys: false)
        } catch let e as QuillError {
            throw QuillError.type("batch(checkpoint:) keeps results as JSON: \(e.message)",
                                  hint: "return strings, numbers, lists and maps from the batch function")
        }
        do {
            try store.save(checkpoint: name, key: key(index, item), result: text)
        } catch {
            throw QuillError("IOError", "batch(checkpoint: \"\(name)\"): could not save item \(index)'s result: \(error)")
        }
    }
}
