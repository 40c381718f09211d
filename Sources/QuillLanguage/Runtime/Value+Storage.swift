/// Register writes without the generic destroy call.
///
/// Assigning to a `Value` in memory first destroys the old value through an out-of-line
/// function (it may hold a reference). When the old value is a plain scalar there is nothing
/// to release, so the hot arithmetic paths check for that and overwrite it in place.
extension Value {
    /// How many characters `String(v)` has.
    @inline(__always) static func decimalDigits(_ v: Int) -> Int {
        var n = v < 0 ? 2 : 1
        var m = v.magnitude
        while m >= 10 { m /= 10; n += 1 }
        return n
    }

    /// Writes `v` in decimal at `at` (room for `decimalDigits(v)` bytes) and returns the end.
    @inline(__always) static func writeDecimal(_ v: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        let n = decimalDigits(v)
        var m = v.magnitude
        var i = at + n - 1
        repeat {
            buffer[i] = UInt8(truncatingIfNeeded: 48 + m % 10)
            m /= 10
            i -= 1
        } while m > 0
        if v < 0 { buffer[at] = UInt8(ascii: "-") }
        return at + n
    }

    /// True for nil, bools, ints and floats: values that own no reference.
    @inline(__always) var isScalar: Bool {
        switch self {
        case .nil, .bool, .int, .float: return true
        default: return false
        }
    }
}

extension UnsafeMutablePointer where Pointee == Value {
    @inline(__always) func store(int v: Int) {
        if pointee.isScalar { initialize(to: .int(v)) } else { pointee = .int(v) }
    }

    @inline(__always) func store(bool v: Bool) {
        if pointee.isScalar { initialize(to: .bool(v)) } else { pointee = .bool(v) }
    }

    @inline(__always) func store(float v: Double) {
        if pointee.isScalar { initialize(to: .float(v)) } else { pointee = .float(v) }
    }
}
