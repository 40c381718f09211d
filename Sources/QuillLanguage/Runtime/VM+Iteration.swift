/// `for` loops. The loop keeps its state in three hidden registers: `s[0]` the thing iterated
/// (for ranges: the step), `s[1]` the position (for ranges: values left), `s[2]` for ranges the
/// next value. The loop variables follow at `s[3]` and `s[4]`.
extension VM {
    /// `slot` is the absolute stack index of the loop state.
    func forPrepare(_ slot: Int, variables: Int) throws {
        let s = stack + slot
        switch s[0] {
        case .object(let o):
            if let r = o as? RangeObject {
                guard variables == 1 else {
                    throw QuillError.type("a range gives one value per step; use 'for i in range' (not 'for a, b in')")
                }
                s[0] = .int(r.step)
                s[1] = .int(r.count)
                s[2] = .int(r.start)
            } else if let it = o.makeIterator() {
                s.pointee = .object(it)
            } else {
                throw QuillError.type("cannot iterate over \(o.typeName)")
            }
        case .list, .map:
            s[1] = .int(0)
        case .string(let str):
            s[0] = .list(ListObject(str.characters.map { .str(String($0)) }))
            s[1] = .int(0)
        default:
            throw QuillError.type("cannot iterate over \(s[0].typeName)",
                                  hint: s[0].typeName == "int" ? "to count, use 'for i in range(n)' or '0..<n'" : nil)
        }
    }

    /// Advances a list, map or iterator loop; false when it is done.
    func forNext(_ slot: Int, variables: Int) throws -> Bool {
        let s = stack + slot
        // A native iterator keeps its own position; lists and maps keep theirs in s[1].
        if case .object(let o) = s[0] {
            guard let it = o as? NativeIterator, let v = try it.next() else { return false }
            try assign(v, to: s, variables: variables)
            return true
        }
        guard case .int(var i) = s[1] else { return false }
        switch s[0] {
        case .list(let l):
            guard i < l.items.count else { return false }
            if variables == 2 {
                s[3] = .int(i)
                s[4] = l.items[i]
            } else {
                s[3] = l.items[i]
            }
            s[1] = .int(i + 1)
            return true
        case .map(let m):
            while i < m.slotCount {
                if let (k, v) = m.slot(i) {
                    s[3] = k
                    if variables == 2 { s[4] = v }
                    s[1] = .int(i + 1)
                    return true
                }
                i += 1
            }
            return false
        default:
            return false
        }
    }

    /// Binds an iterator's value; two variables unpack a two-element list.
    private func assign(_ v: Value, to s: UnsafeMutablePointer<Value>, variables: Int) throws {
        if variables == 1 {
            s[3] = v
        } else if case .list(let pair) = v, pair.items.count == 2 {
            s[3] = pair.items[0]
            s[4] = pair.items[1]
        } else {
            throw QuillError.type("'for a, b in' needs pairs, got \(v.typeName)")
        }
    }
}
