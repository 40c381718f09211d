#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How far a `batch` has got, and its progress line: `[###-------] 23/64  3.1/s  ETA 13s`.
///
/// The rate is items finished per second since the batch started, and the ETA assumes the rest
/// go at the same rate. When every item is done the ETA gives way to the total time
/// (`[##########] 64/64  3.1/s  in 21s`).
public struct BatchProgress: Equatable, Sendable {
    /// How many items the batch runs, and how many have finished (with a result or an error).
    public var total: Int
    public var done: Int
    /// Seconds since the batch started.
    public var elapsed: Double

    public init(total: Int, done: Int, elapsed: Double) {
        self.total = total
        self.done = done
        self.elapsed = elapsed
    }

    /// Items per second, or nil before the first item finished.
    public var rate: Double? {
        guard done > 0, elapsed > 0 else { return nil }
        return Double(done) / elapsed
    }

    /// Estimated seconds until the last item finishes, or nil while the rate is unknown.
    public var remaining: Double? {
        guard let rate else { return nil }
        return Double(total - done) / rate
    }

    /// The line to show, without a line ending; the bar is `barWidth` characters wide.
    public func line(barWidth: Int = 10) -> String {
        let filled = total > 0 ? min(barWidth, done * barWidth / total) : barWidth
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]"
        let speed = rate.map { Self.formatRate($0) + "/s" } ?? "-/s"
        let when: String
        if done >= total {
            when = "in " + Self.formatDuration(elapsed)
        } else {
            when = "ETA " + (remaining.map(Self.formatDuration) ?? "-")
        }
        return "\(bar) \(done)/\(total)  \(speed)  \(when)"
    }

    /// A rate with as many decimals as it needs to show something: `250`, `3.1`, `0.04`.
    public static func formatRate(_ rate: Double) -> String {
        if rate >= 100 { return StringFormatter.cFormat("%.0f", rate) }
        if rate >= 1 { return StringFormatter.cFormat("%.1f", rate) }
        return StringFormatter.cFormat("%.2f", rate)
    }

    /// Whole seconds as `13s`, `2m05s` or `1h02m`.
    public static func formatDuration(_ seconds: Double) -> String {
        let s = seconds.isFinite ? Int(max(0, seconds).rounded()) : Int.max
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + twoDigits(s % 60) + "s" }
        if s == Int.max || s / 3600 > 99_999 { return "a long time" }
        return "\(s / 3600)h" + twoDigits(s % 3600 / 60) + "m"
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Draws a batch's progress line on a terminal, at most ten times a second: each drawing
/// returns to the start of the line and clears the rest of it; the last ends the line.
///
/// The caller of `batch` draws it while the tasks run, and the tasks' `print` output clears it
/// first (`clear()`), so printed lines do not end up behind the bar; the next drawing puts it
/// back underneath them. `monitor` orders the two threads' writes.
final class ProgressLine {
    private let total: Int
    private let write: (String) -> Void
    private let start = clock_gettime_nsec_np_portable()
    private let monitor = Monitor()
    // Under `monitor`.
    private var lastDrawn: UInt64 = 0
    private var shown = false
    /// Redraws closer together than this are skipped.
    static let interval: UInt64 = 100_000_000

    init(total: Int, write: ((String) -> Void)?) {
        self.total = total
        self.write = write ?? { text in
            fputs(text, stderr)
            fflush(stderr)
        }
    }

    /// Whether `batch` draws the line: when asked to, or by default when standard error is a
    /// terminal and the batch is not nested in another (whose line it would garble).
    static func wanted(_ option: Bool?, nested: Bool) -> Bool {
        option ?? (!nested && isatty(STDERR_FILENO) != 0)
    }

    private func progress(_ done: Int, now: UInt64) -> BatchProgress {
        BatchProgress(total: total, done: done, elapsed: Double(now - start) / 1e9)
    }

    /// Draws the line for `done` items unless it was drawn less than `interval` ago.
    func update(done: Int) {
        monitor.withLock {
            let now = clock_gettime_nsec_np_portable()
            guard lastDrawn == 0 || now - lastDrawn >= Self.interval else { return }
            lastDrawn = now
            shown = true
            write("\r" + progress(done, now: now).line() + "\u{1B}[K")
        }
    }

    /// Erases the line, if shown, before other output goes to the terminal.
    func clear() {
        monitor.withLock {
            guard shown else { return }
            shown = false
            lastDrawn = 0
            write("\r\u{1B}[K")
        }
    }

    /// Draws the final line and ends it.
    func finish(done: Int) {
        monitor.withLock {
            write("\r" + progress(done, now: clock_gettime_nsec_np_portable()).line() + "\u{1B}[K\n")
        }
    }

    /// `output` that first clears the line: what tasks print while it is shown.
    func clearing(_ output: @escaping (String) -> Void) -> (String) -> Void {
        { [self] text in
            clear()
            output(text)
        }
    }
}
