import Foundation
import QuillLanguage

/// The options of one metric spec (`{metric: "bleu", smoothing: "floor", threshold: 0.3}`),
/// read with errors that name the spec's place and the option: `metrics[2].threshold must be a
/// number, not string`. Options nobody read are reported as unknown, with a suggestion.
final class MetricOptions {
    let map: MapObject?
    /// Where the spec is, for messages: `metrics[2] ("bleu")`.
    let place: String
    private var read: Set<String> = ["metric", "name", "threshold", "pass_at", "field"]

    init(_ map: MapObject?, place: String) {
        self.map = map
        self.place = place
    }

    func value(_ key: String) -> Value {
        read.insert(key)
        return map?[key] ?? .nil
    }

    func has(_ key: String) -> Bool { !value(key).isNil }

    func string(_ key: String) throws -> String? {
        switch value(key) {
        case .nil: return nil
        case .string(let s): return s.value
        case let v: throw QuillError.type("\(place).\(key) must be a string, not \(v.typeName)")
        }
    }

    func double(_ key: String) throws -> Double? {
        switch value(key) {
        case .nil: return nil
        case .int(let i): return Double(i)
        case .float(let d) where d.isFinite: return d
        case let v: throw QuillError.type("\(place).\(key) must be a number, not \(v.typeName)")
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch value(key) {
        case .nil: return nil
        case .bool(let b): return b
        case let v: throw QuillError.type("\(place).\(key) must be true or false, not \(v.typeName)")
        }
    }

    func strings(_ key: String) throws -> [String]? {
        switch value(key) {
        case .nil: return nil
        case .string(let s): return [s.value]
        case .list(let l):
            return try l.items.enumerated().map { i, item in
                guard case .string(let s) = item else { throw QuillError.type("\(place).\(key)[\(i)] must be a string, not \(item.typeName)") }
                return s.value
            }
        case let v: throw QuillError.type("\(place).\(key) must be a string or a list of strings, not \(v.typeName)")
        }
    }

    /// A required option.
    func require<T>(_ key: String, _ get: (String) throws -> T?, what: String) throws -> T {
        guard let v = try get(key) else {
            throw QuillError.value("\(place) needs \(key): (\(what))")
        }
        return v
    }

    /// Throws for an option no reader asked for: a typo must not silently do nothing.
    func rejectUnknown(known extra: [String] = []) throws {
        guard let map else { return }
        for key in map.keys {
            guard case .string(let k) = key, !read.contains(k.value), !extra.contains(k.value) else { continue }
            let options = read.union(extra).sorted()
            throw QuillError.value("\(place) has no option '\(k.value)'; its options are \(options.joined(separator: ", "))",
                                   hint: Suggestion.hint(for: k.value, in: options))
        }
    }
}
