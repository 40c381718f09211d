#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `time` namespace.
///
/// - `time.now()`: seconds since the Unix epoch (UTC) as a float, with sub-microsecond precision.
/// - `time.ms()`: milliseconds since the Unix epoch as an int.
/// - `time.clock()`: seconds from a monotonic clock as a float; only differences are meaningful
///   (use it to time code: `let t = time.clock(); ...; print(time.clock() - t)`).
/// - `time.sleep(seconds)`: pauses; seconds may be fractional. Inside `batch`, other tasks run
///   meanwhile.
/// - `time.format(timestamp, format)`: formats a Unix time in UTC with C `strftime` codes;
///   the default format is ISO 8601, `"%Y-%m-%dT%H:%M:%SZ"`. Fractions of a second are dropped.
///
/// Reading the clock (`now`, `ms`, `clock`) needs the `.clock` capability and sleeping `.sleep`;
/// `format` reads nothing outside the VM.
enum TimeLibrary {
    static func namespace() -> NamespaceObject {
        LibrarySupport.namespace("time", functions: [
            NativeFunction("time.now") { args in
                try args.vm.require(.clock, for: "time.now()")
                return .float(now())
            },
            NativeFunction("time.ms") { args in
                try args.vm.require(.clock, for: "time.ms()")
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                return .int(Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000)
            },
            NativeFunction("time.clock") { args in
                try args.vm.require(.clock, for: "time.clock()")
                return .float(Double(clock_gettime_nsec_np_portable()) / 1e9)
            },
            NativeFunction("time.sleep", ["seconds"]) { args in
                try args.vm.require(.sleep, for: "time.sleep()")
                let seconds = try args.double(0)
                guard seconds.isFinite, seconds >= 0 else {
                    throw QuillError.value("time.sleep(): seconds must be a finite number ≥ 0, got \(args[0].repr)")
                }
                guard seconds < 1e9 else { throw QuillError.value("time.sleep(): \(args[0].repr) seconds is too long") }
                // Other tasks of a `batch` run while this one sleeps; an interrupt ends the sleep.
                let interruption = args.vm.interruption
                args.vm.waiting { TimeLibrary.pause(seconds) { interruption.isRaised } }
                if interruption.isRaised { throw interruption.error }
                return .nil
            },
            NativeFunction("time.format", ["timestamp", "format"], required: 1) { args in
                let t = try args.double(0)
                let format = try args.string(1, default: "%Y-%m-%dT%H:%M:%SZ")
                return .str(try self.format(t, format))
            },
        ])
    }

    /// Sleeps the calling thread, resuming after signals until the full time has passed or
    /// `stop` says to (checked every 50 ms).
    static func pause(_ seconds: Double, stop: () -> Bool = { false }) {
        var left = seconds
        while left > 0, !stop() {
            let slice = min(left, 0.05)
            var request = timespec(tv_sec: Int(slice), tv_nsec: Int((slice - slice.rounded(.down)) * 1e9))
            var remaining = timespec()
            while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
            left -= slice
        }
    }

    /// Seconds since the epoch, from the real-time clock.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `strftime` in UTC.
    static func format(_ timestamp: Double, _ format: String) throws -> String {
        guard timestamp.isFinite, abs(timestamp) < 1e14 else {
            throw QuillError.value("time.format(): timestamp \(Value.format(timestamp)) is out of range")
        }
        var seconds = time_t(timestamp.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else {
            throw QuillError.value("time.format(): timestamp \(Value.format(timestamp)) is out of range")
        }
        if format.isEmpty { return "" }
        var size = 256
        while size <= 65536 {
            var buffer = [CChar](repeating: 0, count: size)
            let n = strftime(&buffer, size, format, &parts)
            if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            size *= 4
        }
        // strftime returns 0 both for "too long" and for an empty result (e.g. "%p" in some locales).
        return ""
    }
}
