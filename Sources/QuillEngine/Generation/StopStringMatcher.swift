import Foundation

/// Watches streamed text for stop strings. Text that might be the start of a stop string
/// is held back until it is known not to be, so a stop string never reaches the caller.
struct StopStringMatcher {
    let stops: [String]
    private var held = ""

    init(_ stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// The text safe to emit now, and whether a stop string was found (text before it is emitted).
    mutating func feed(_ piece: String) -> (emit: String, stopped: Bool) {
        guard !stops.isEmpty else { return (piece, false) }
        held += piece
        var earliest: String.Index? = nil
        for stop in stops {
            if let r = held.range(of: stop), earliest.map({ r.lowerBound < $0 }) ?? true { earliest = r.lowerBound }
        }
        if let cut = earliest {
            let emit = String(held[..<cut])
            held = ""
            return (emit, true)
        }
        // Hold back the longest suffix that is a prefix of some stop string.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, held.count), to: 0, by: -1) where length > keep {
                if held.hasSuffix(stop.prefix(length)) { keep = length; break }
            }
        }
        let emit = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        return (emit, false)
    }

    mutating func flush() -> String {
        defer { held = "" }
        return held
    }
}
