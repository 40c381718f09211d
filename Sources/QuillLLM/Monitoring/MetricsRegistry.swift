import Foundation

/// Counters, gauges and histograms rendered in Prometheus's text format (0.0.4): what
/// `quill run --metrics-port` and `quill serve`'s `/metrics` expose.
///
/// Names follow the OpenTelemetry conventions translated the way Prometheus does it (dots to
/// underscores, the unit as a suffix, `_total` on counters). Series are kept by their rendered
/// label set; rendering sorts them, so scrapes diff cleanly.
public final class MetricsRegistry: @unchecked Sendable {
    /// One metric family: its name, type, help text and (for histograms) bucket bounds.
    public struct Family: Sendable {
        public enum Kind: String, Sendable { case counter, gauge, histogram }
        public let name: String
        public let kind: Kind
        public let help: String
        public var buckets: [Double]

        public init(name: String, kind: Kind, help: String, buckets: [Double] = []) {
            self.name = name
            self.kind = kind
            self.help = help
            self.buckets = buckets
        }
    }

    /// A label set, ordered as given (the key of a series).
    public typealias Labels = [(String, String)]

    private struct Histogram {
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    public let families: [Family]
    private let lock = NSLock()
    private var values: [String: [String: Double]] = [:]
    private var histograms: [String: [String: Histogram]] = [:]

    public init(families: [Family]) {
        self.families = families
    }

    /// Adds to a counter (or moves a gauge).
    public func add(_ family: Family, _ labels: Labels, _ amount: Double = 1) {
        let key = Self.key(labels)
        lock.lock()
        values[family.name, default: [:]][key, default: 0] += amount
        lock.unlock()
    }

    /// Sets a gauge.
    public func set(_ family: Family, _ labels: Labels, _ value: Double) {
        let key = Self.key(labels)
        lock.lock()
        values[family.name, default: [:]][key] = value
        lock.unlock()
    }

    /// Records one observation in a histogram.
    public func observe(_ family: Family, _ labels: Labels, _ value: Double) {
        guard value.isFinite else { return }
        let key = Self.key(labels)
        lock.lock()
        defer { lock.unlock() }
        var h = histograms[family.name]?[key] ?? Histogram(counts: Array(repeating: 0, count: family.buckets.count))
        for (i, bound) in family.buckets.enumerated() where value <= bound { h.counts[i] += 1 }
        h.sum += value
        h.count += 1
        histograms[family.name, default: [:]][key] = h
    }

    /// The whole exposition, families in their order; `extra` may add a family's series that
    /// are computed at scrape time (it returns nil for the others).
    public func render(extra: (Family) -> String? = { _ in nil }) -> String {
        lock.lock()
        let values = self.values, histograms = self.histograms
        lock.unlock()
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            if let text = extra(family) {
                out += text
                continue
            }
            switch family.kind {
            case .counter, .gauge:
                for (labels, value) in (values[family.name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    out += "\(family.name)\(labels.isEmpty ? "" : "{\(labels)}") \(Self.number(value))\n"
                }
            case .histogram:
                for (labels, h) in (histograms[family.name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let prefix = labels.isEmpty ? "" : labels + ","
                    for (bound, count) in zip(family.buckets, h.counts) {
                        out += "\(family.name)_bucket{\(prefix)le=\"\(Self.number(bound))\"} \(count)\n"
                    }
                    out += "\(family.name)_bucket{\(prefix)le=\"+Inf\"} \(h.count)\n"
                    out += "\(family.name)_sum\(labels.isEmpty ? "" : "{\(labels)}") \(Self.number(h.sum))\n"
                    out += "\(family.name)_count\(labels.isEmpty ? "" : "{\(labels)}") \(h.count)\n"
                }
            }
        }
        return out
    }

    /// The rendered label set: `a="x",b="y"`.
    public static func key(_ labels: Labels) -> String {
        labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
    }

    /// A label value escaped as the text format requires (backslash, quote, newline).
    public static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Integers without a fraction; other values in Swift's shortest round-trip form.
    public static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
