// The objects a memory limit charges: a reservation taken before something is built, and the
// string, list and map subclasses made under a limit, which give their bytes back to the
// `MemoryMeter` when they are freed. Subclasses rather than a field in every object, so that
// VMs without a limit keep their objects' size (a `StringObject` stays one 48-byte malloc
// chunk) and their release path.

/// Bytes taken for an object about to be made. The object takes them over when it is made;
/// a reservation dropped before that (the build failed) gives them back.
final class MemoryReservation {
    let meter: MemoryMeter
    var bytes: Int

    init(meter: MemoryMeter, bytes: Int) {
        self.meter = meter
        self.bytes = bytes
    }

    /// Hands the bytes to the object made with them.
    func claim() -> Int {
        defer { bytes = 0 }
        return bytes
    }

    deinit { meter.give(bytes) }
}

/// A string made under a memory limit: gives its bytes back to the meter when freed.
final class ChargedStringObject: StringObject {
    let meter: MemoryMeter
    @exclusivity(unchecked) private var bytes: Int

    init(_ value: String, meter: MemoryMeter, bytes: Int) {
        self.meter = meter
        self.bytes = bytes
        super.init(value)
    }

    /// Counts the character cache just built for `count` characters.
    func charge(cache count: Int) {
        let extra = MemoryMeter.product(MemoryMeter.characterBytes, count)
        bytes += extra
        meter.add(extra)
    }

    deinit { meter.give(bytes) }
}

/// A list made under a memory limit: its charge follows its count as it grows, and goes back
/// to the meter when the list is freed.
final class ChargedListObject: ListObject {
    let meter: MemoryMeter
    @exclusivity(unchecked) var bytes: Int

    init(_ items: [Value], meter: MemoryMeter, bytes: Int) {
        self.meter = meter
        self.bytes = bytes
        super.init(items)
    }

    deinit { meter.give(bytes) }
}

/// A map made under a memory limit, charged like `ChargedListObject`.
final class ChargedMapObject: MapObject {
    let meter: MemoryMeter
    @exclusivity(unchecked) var bytes = 0

    /// An empty map, charged nothing until its entries are counted (`MemoryMeter.grow`).
    init(meter: MemoryMeter) {
        self.meter = meter
        super.init()
    }

    deinit { meter.give(bytes) }
}

extension StringObject {
    /// A string holding a reservation's bytes, or an uncharged one without a reservation.
    static func make(_ value: String, reservation: MemoryReservation?) -> StringObject {
        guard let reservation else { return StringObject(value) }
        return ChargedStringObject(value, meter: reservation.meter, bytes: reservation.claim())
    }
}

extension ListObject {
    /// A list holding a reservation's bytes, or an uncharged one without a reservation.
    static func make(_ items: [Value], reservation: MemoryReservation?) -> ListObject {
        guard let reservation else { return ListObject(items) }
        return ChargedListObject(items, meter: reservation.meter, bytes: reservation.claim())
    }
}
