/// The dispatch loop. Hot state (pc, registers, code, constants) lives in locals; it is written
/// back to the frame only around calls and errors.
///
/// The register and frame stacks are reserved once and never move, so `regs` and `frame` stay
/// valid across anything that runs other code (natives, member access, imports): such code
/// pushes frames above this one and pops them before returning.
///
/// The loop is compiled twice, for each `MemoryPolicy`: without a memory limit its allocating
/// instructions are exactly what they were before the limit existed. (Checks written into one
/// loop, even behind a nil test, made it keep more values in registers and cost every
/// instruction about 2% on recursive `fib`.) A limit set while a script runs applies from the
/// next call into the VM.
extension VM {
    /// Runs from the current top frame until the frame `entry` returns.
    func execute(entryFrame entry: Int) throws -> Value {
        while true {
            do {
                return memoryMeter == nil ? try dispatch(Unmetered.self) : try dispatch(Metered.self)
            } catch let exit as ExitRequest {
                throw exit
            } catch {
                let object = errorObject(for: error)
                // Only handlers installed by this run may catch; older ones belong to an outer run.
                guard let h = handlers.last, h.frameIndex >= entry else { throw RuntimeError(object) }
                let top = memoryMeter == nil ? 0 : registerTop()
                handlers.removeLast()
                syncTops()
                unwindFrames(to: h.frameIndex + 1)
                closeUpvalues(from: h.errorSlot)
                stack[h.errorSlot] = .error(object)
                // The try block's temporaries sit above the catch register.
                if memoryMeter != nil { releaseRegisters(from: h.errorSlot + 1, to: top) }
                frames[h.frameIndex].pc = h.catchPC
            }
        }
    }

    // The loop is long by nature: one case per opcode, fast paths inline.
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    func dispatch<Policy: MemoryPolicy>(_: Policy.Type) throws -> Value {
        var frame = frames + (frameCount - 1)
        unowned(unsafe) var closure = frame.pointee.closure
        unowned(unsafe) var proto = closure.proto
        var code = UnsafePointer(proto.codePointer)
        var k = UnsafePointer(proto.constantPointer)
        var globals = proto.module.slots
        var pc = frame.pointee.pc
        var base = frame.pointee.base
        var regs = stack + base

        do {
            while true {
                let ins = code[pc]
                pc &+= 1
                let a = Int(ins.a)
                switch ins.op {
                case .move:
                    regs[a] = regs[Int(ins.b)]
                case .loadConst:
                    regs[a] = k[Int(ins.c)]
                case .loadNil:
                    regs[a] = .nil
                case .loadBool:
                    regs[a] = .bool(ins.b != 0)
                case .loadInt:
                    (regs + a).store(int: Int(ins.c))
                case .getUpvalue:
                    regs[a] = closure.upvalues[Int(ins.b)].pointer.pointee
                case .setUpvalue:
                    closure.upvalues[Int(ins.b)].pointer.pointee = regs[a]
                case .getGlobal:
                    regs[a] = globals[Int(ins.c)]
                case .setGlobal:
                    globals[Int(ins.c)] = regs[a]

                case .getMember:
                    frame.pointee.pc = pc
                    let v = try member(of: regs[Int(ins.b)], named: k[Int(ins.c)])
                    regs[a] = v
                case .setMember:
                    frame.pointee.pc = pc
                    try setMember(of: regs[a], named: k[Int(ins.b)], to: regs[Int(ins.c)])
                case .getIndex:
                    let container = regs[Int(ins.b)], index = regs[Int(ins.c)]
                    if case .list(let l) = container, case .int(let i) = index, i >= 0, i < l.items.count {
                        regs[a] = l.items[i]
                    } else {
                        let v = try self.index(container, index)
                        regs[a] = v
                    }
                case .setIndex:
                    if case .list(let l) = regs[a], case .int(let i) = regs[Int(ins.b)], i >= 0, i < l.items.count {
                        l.items[i] = regs[Int(ins.c)]
                    } else {
                        try setIndex(regs[a], regs[Int(ins.b)], to: regs[Int(ins.c)])
                    }
                case .slice:
                    let c = Int(ins.c)
                    regs[a] = try slice(regs[Int(ins.b)], regs[c], regs[c + 1])
                case .newList:
                    let b = Int(ins.b), n = Int(ins.c)
                    if Policy.metered, let meter = memoryMeter {
                        regs[a] = try meter.list(Array(UnsafeBufferPointer(start: regs + b, count: n)), for: "a list literal")
                    } else {
                        regs[a] = .list(ListObject(Array(UnsafeBufferPointer(start: regs + b, count: n))))
                    }
                case .newMap:
                    let b = Int(ins.b), n = Int(ins.c)
                    let m = Policy.metered ? newMap() : MapObject()
                    for i in 0..<n {
                        let key = regs[b + 2 * i]
                        guard key.isValidKey else { throw Self.keyTypeError(key) }
                        m[key] = regs[b + 2 * i + 1]
                    }
                    if Policy.metered { try memoryMeter?.grow(m, toCount: m.count, for: "a map literal") }
                    regs[a] = .map(m)

                case .add:
                    if case .int(let x) = regs[Int(ins.b)], case .int(let y) = regs[Int(ins.c)] {
                        let (r, o) = x.addingReportingOverflow(y)
                        if o { throw Value.overflow("+") }
                        (regs + a).store(int: r)
                    } else if case .float(let x) = regs[Int(ins.b)], case .float(let y) = regs[Int(ins.c)] {
                        (regs + a).store(float: x + y)
                    } else if case .string(let x) = regs[Int(ins.b)], case .string(let y) = regs[Int(ins.c)] {
                        if Policy.metered, let meter = memoryMeter {
                            regs[a] = try meter.concatenate(x, y)
                        } else {
                            regs[a] = .str(x.value + y.value)
                        }
                    } else if Policy.metered {
                        regs[a] = try Value.add(regs[Int(ins.b)], regs[Int(ins.c)], meter: memoryMeter)
                    } else {
                        regs[a] = try Value.add(regs[Int(ins.b)], regs[Int(ins.c)])
                    }
                case .subtract:
                    if case .int(let x) = regs[Int(ins.b)], case .int(let y) = regs[Int(ins.c)] {
                        let (r, o) = x.subtractingReportingOverflow(y)
                        if o { throw Value.overflow("-") }
                        (regs + a).store(int: r)
                    } else {
                        regs[a] = try Value.subtract(regs[Int(ins.b)], regs[Int(ins.c)])
                    }
                case .multiply:
                    if case .int(let x) = regs[Int(ins.b)], case .int(let y) = regs[Int(ins.c)] {
                        let (r, o) = x.multipliedReportingOverflow(by: y)
                        if o { throw Value.overflow("*") }
                        (regs + a).store(int: r)
                    } else if Policy.metered {
                        regs[a] = try Value.multiply(regs[Int(ins.b)], regs[Int(ins.c)], meter: memoryMeter)
                    } else {
                        regs[a] = try Value.multiply(regs[Int(ins.b)], regs[Int(ins.c)])
                    }
                case .divide:
                    regs[a] = try Value.divide(regs[Int(ins.b)], regs[Int(ins.c)])
                case .floorDivide:
                    regs[a] = try Value.floorDivide(regs[Int(ins.b)], regs[Int(ins.c)])
                case .modulo:
                    if case .int(let x) = regs[Int(ins.b)], case .int(let y) = regs[Int(ins.c)], y > 0 {
                        let r = x % y
                        (regs + a).store(int: r < 0 ? r + y : r)
                    } else {
                        regs[a] = try Value.modulo(regs[Int(ins.b)], regs[Int(ins.c)])
                    }
                case .power:
                    regs[a] = try Value.power(regs[Int(ins.b)], regs[Int(ins.c)])
                case .addInt:
                    if case .int(let x) = regs[Int(ins.b)] {
                        let (r, o) = x.addingReportingOverflow(Int(ins.c))
                        if o { throw Value.overflow(ins.c < 0 ? "-" : "+") }
                        (regs + a).store(int: r)
                    } else if Policy.metered {
                        regs[a] = try Value.add(regs[Int(ins.b)], .int(Int(ins.c)), meter: memoryMeter)
                    } else {
                        regs[a] = try Value.add(regs[Int(ins.b)], .int(Int(ins.c)))
                    }
                case .multiplyInt:
                    if case .int(let x) = regs[Int(ins.b)] {
                        let (r, o) = x.multipliedReportingOverflow(by: Int(ins.c))
                        if o { throw Value.overflow("*") }
                        (regs + a).store(int: r)
                    } else if Policy.metered {
                        regs[a] = try Value.multiply(regs[Int(ins.b)], .int(Int(ins.c)), meter: memoryMeter)
                    } else {
                        regs[a] = try Value.multiply(regs[Int(ins.b)], .int(Int(ins.c)))
                    }
                case .moduloInt:
                    if case .int(let x) = regs[Int(ins.b)] {
                        let r = x % Int(ins.c)
                        (regs + a).store(int: r < 0 ? r + Int(ins.c) : r)
                    } else {
                        regs[a] = try Value.modulo(regs[Int(ins.b)], .int(Int(ins.c)))
                    }
                case .floorDivideInt:
                    regs[a] = try Value.floorDivide(regs[Int(ins.b)], .int(Int(ins.c)))
                case .equal:
                    if case .int(let x) = regs[Int(ins.b)], case .int(let y) = regs[Int(ins.c)] {
                        (regs + a).store(bool: x == y)
                    } else {
                        regs[a] = .bool(regs[Int(ins.b)] == regs[Int(ins.c)])
                    }
                case .notEqual:
                    regs[a] = .bool(regs[Int(ins.b)] != regs[Int(ins.c)])
                case .less:
                    if case .int(let x) = regs[Int(ins.b)], case .int(let y) = regs[Int(ins.c)] {
                        (regs + a).store(bool: x < y)
                    } else {
                        regs[a] = .bool(try Value.less(regs[Int(ins.b)], regs[Int(ins.c)]))
                    }
                case .lessEqual:
                    regs[a] = .bool(try Value.lessEqual(regs[Int(ins.b)], regs[Int(ins.c)]))
                case .contains:
                    regs[a] = .bool(try Value.contains(regs[Int(ins.b)], in: regs[Int(ins.c)]))
                case .not:
                    regs[a] = .bool(!regs[Int(ins.b)].isTruthy)
                case .negate:
                    regs[a] = try Value.negate(regs[Int(ins.b)])

                case .jump:
                    pc += Int(ins.c)
                    if ins.c < 0 { try countStep() }
                case .jumpIfFalse:
                    if !regs[a].isTruthy { pc += Int(ins.c) }
                case .jumpIfTrue:
                    if regs[a].isTruthy { pc += Int(ins.c) }
                case .jumpIfNotNil:
                    if !regs[a].isNil { pc += Int(ins.c) }
                case .jumpUnlessLess:
                    if case .int(let x) = regs[a], case .int(let y) = regs[Int(ins.b)] {
                        if !(x < y) { pc += Int(ins.c) }
                    } else if try !Value.less(regs[a], regs[Int(ins.b)]) {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessLessEqual:
                    if case .int(let x) = regs[a], case .int(let y) = regs[Int(ins.b)] {
                        if !(x <= y) { pc += Int(ins.c) }
                    } else if try !Value.lessEqual(regs[a], regs[Int(ins.b)]) {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessEqual:
                    if case .int(let x) = regs[a], case .int(let y) = regs[Int(ins.b)] {
                        if x != y { pc += Int(ins.c) }
                    } else if regs[a] != regs[Int(ins.b)] {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessNotEqual:
                    if case .int(let x) = regs[a], case .int(let y) = regs[Int(ins.b)] {
                        if x == y { pc += Int(ins.c) }
                    } else if regs[a] == regs[Int(ins.b)] {
                        pc += Int(ins.c)
                    }

                case .jumpUnlessLessInt:
                    let k = Int(Int16(bitPattern: ins.b))
                    if case .int(let x) = regs[a] {
                        if !(x < k) { pc += Int(ins.c) }
                    } else if try !Value.less(regs[a], .int(k)) {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessLessEqualInt:
                    let k = Int(Int16(bitPattern: ins.b))
                    if case .int(let x) = regs[a] {
                        if !(x <= k) { pc += Int(ins.c) }
                    } else if try !Value.lessEqual(regs[a], .int(k)) {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessGreaterInt:
                    let k = Int(Int16(bitPattern: ins.b))
                    if case .int(let x) = regs[a] {
                        if !(x > k) { pc += Int(ins.c) }
                    } else if try !Value.less(.int(k), regs[a]) {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessGreaterEqualInt:
                    let k = Int(Int16(bitPattern: ins.b))
                    if case .int(let x) = regs[a] {
                        if !(x >= k) { pc += Int(ins.c) }
                    } else if try !Value.lessEqual(.int(k), regs[a]) {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessEqualInt:
                    let k = Int(Int16(bitPattern: ins.b))
                    if case .int(let x) = regs[a] {
                        if x != k { pc += Int(ins.c) }
                    } else if regs[a] != .int(k) {
                        pc += Int(ins.c)
                    }
                case .jumpUnlessNotEqualInt:
                    let k = Int(Int16(bitPattern: ins.b))
                    if case .int(let x) = regs[a] {
                        if x == k { pc += Int(ins.c) }
                    } else if regs[a] == .int(k) {
                        pc += Int(ins.c)
                    }

                case .call:
                    let argc = Int(ins.b)
                    frame.pointee.pc = pc
                    switch regs[a] {
                    case .function(let callee):
                        let p = callee.proto
                        let newBase = base + a + 1
                        if ins.c == 0 && argc == p.parameterCount && frameCount < Self.frameLimit
                            && frameCount < hot.pointee.maxCallDepth && newBase + p.registerCount < stackCapacity
                            && remainingSteps > 0 {
                            // The common call: positional arguments matching the parameters and room
                            // on both stacks. Everything `enter` checks holds, so push inline.
                            remainingSteps &-= 1
                            (frames + frameCount).initialize(to: CallFrame(closure: callee, pc: 0, base: newBase,
                                                                         given: p.allGiven, exitsRun: false))
                            frameCount &+= 1
                            frame = frames + (frameCount - 1)
                            closure = callee
                            proto = p
                            code = UnsafePointer(p.codePointer)
                            k = UnsafePointer(p.constantPointer)
                            globals = p.module.slots
                            pc = 0
                            base = newBase
                            regs = stack + newBase
                        } else {
                            let names = ins.c == 0 ? [] : proto.callSites[Int(ins.c) - 1].names
                            try enter(callee, base: base + a, argc: argc, names: names, exitsRun: false)
                            (frame, closure, proto, code, k, globals, pc, base, regs) = topFrameState()
                        }
                    case .native(let f):
                        nativeTop = base + a + 1 + argc
                        let result: Value
                        if ins.c == 0 && !f.variadic && argc <= f.parameters.count && argc >= f.required {
                            // The common case: positional arguments within the declared arity.
                            result = try f.body(Args(vm: self, receiver: f.receiver, base: regs + a + 1, count: argc, function: f))
                        } else {
                            let names = ins.c == 0 ? [] : proto.callSites[Int(ins.c) - 1].names
                            result = try callNative(f, receiver: f.receiver, at: base + a, argc: argc, names: names)
                        }
                        regs[a] = result
                    default:
                        throw QuillError.type("\(regs[a].typeName) value is not callable")
                    }
                case .invokePush:
                    if case .list(let list) = regs[a] {
                        if Policy.metered { try memoryMeter?.grow(list, by: 1, for: "push()") }
                        list.append(regs[a + 1])
                        regs[a] = .nil
                        break
                    }
                    fallthrough
                case .invoke:
                    let argc = Int(ins.b)
                    let site = proto.callSites[Int(ins.c)]
                    frame.pointee.pc = pc
                    switch try resolveMethod(site, on: regs[a]) {
                    case .builtin(let method):
                        nativeTop = base + a + 1 + argc
                        let result: Value
                        if site.names.isEmpty && !method.variadic && argc <= method.parameters.count && argc >= method.required {
                            result = try method.body(Args(vm: self, receiver: regs[a], base: regs + a + 1, count: argc, function: method))
                        } else {
                            result = try callNative(method, receiver: regs[a], at: base + a, argc: argc, names: site.names)
                        }
                        regs[a] = result
                    case .value(let callee):
                        regs[a] = callee
                        if case .function(let c) = callee {
                            try enter(c, base: base + a, argc: argc, names: site.names, exitsRun: false)
                            (frame, closure, proto, code, k, globals, pc, base, regs) = topFrameState()
                        } else if case .native(let f) = callee {
                            nativeTop = base + a + 1 + argc
                            let result = try callNative(f, receiver: f.receiver, at: base + a, argc: argc, names: site.names)
                            regs[a] = result
                        } else {
                            throw QuillError.type("'\(site.method)' is not a function (it is \(Value.article(callee.typeName)) \(callee.typeName))")
                        }
                    }
                case .closure:
                    let p = proto.prototypes[Int(ins.c)]
                    var captured: [Upvalue] = []
                    captured.reserveCapacity(p.upvalues.count)
                    for d in p.upvalues {
                        captured.append(d.fromParentRegister ? capture(base + d.index) : closure.upvalues[d.index])
                    }
                    regs[a] = .function(Closure(proto: p, upvalues: captured))
                case .close:
                    closeUpvalues(from: base + a)
                case .ret:
                    let result = ins.b == 0 ? Value.nil : regs[a]
                    if hot.pointee.upvalueTop >= base { closeUpvalues(from: base) }
                    if hot.pointee.handlerTop >= frameCount - 1 { dropHandlers(aboveOrAt: frameCount - 1) }
                    let exits = frame.pointee.exitsRun
                    frameCount -= 1
                    frame.deinitialize(count: 1)
                    stack[base - 1] = result
                    if exits { return result }
                    (frame, closure, proto, code, k, globals, pc, base, regs) = topFrameState()

                case .forPrepare:
                    try forPrepare(base + a, variables: Int(ins.b))
                    pc += Int(ins.c)
                case .forNext:
                    let more: Bool
                    if case .int(let step) = regs[a] {
                        // A range: R[a+1] counts the values left, R[a+2] is the next one.
                        if case .int(let left) = regs[a + 1], left > 0, case .int(let current) = regs[a + 2] {
                            (regs + a + 3).store(int: current)
                            (regs + a + 1).initialize(to: .int(left - 1))
                            (regs + a + 2).initialize(to: .int(current &+ step))
                            more = true
                        } else {
                            more = false
                        }
                    } else {
                        more = try forNext(base + a, variables: Int(ins.b))
                    }
                    if more {
                        pc += Int(ins.c)
                        try countStep()
                    }

                case .tryBegin:
                    handlers.append(Handler(frameIndex: frameCount - 1, catchPC: pc + Int(ins.c), errorSlot: base + a))
                    syncTops()
                case .tryEnd:
                    handlers.removeLast()
                    syncTops()
                case .throwError:
                    throw thrownError(regs[a])
                case .concat:
                    if Policy.metered, let meter = memoryMeter {
                        regs[a] = try meter.interpolate(regs + Int(ins.b), count: Int(ins.c))
                    } else {
                        regs[a] = .str(Self.concatenate(regs + Int(ins.b), count: Int(ins.c)))
                    }
                case .appendMessage:
                    guard case .list(let messages) = regs[a] else { break }
                    let m = MapObject()
                    m["role"] = k[Int(ins.c)]
                    if Policy.metered, let meter = memoryMeter {
                        try meter.checkText(of: regs[Int(ins.b)], for: "a prompt message")
                        m["content"] = try meter.string(regs[Int(ins.b)].description, for: "a prompt message")
                        try meter.grow(messages, by: 1, for: "a prompt message")
                    } else {
                        m["content"] = .str(regs[Int(ins.b)].description)
                    }
                    messages.items.append(.map(m))
                case .makePrompt:
                    guard case .list(let messages) = regs[Int(ins.b)] else { break }
                    let arguments = MapObject()
                    for (i, name) in proto.parameters.enumerated() { arguments[name] = regs[i] }
                    regs[a] = .object(PromptObject(name: proto.name, templateHash: proto.promptHash ?? "",
                                                   messages: messages, arguments: arguments))
                case .skipIfGiven:
                    if frame.pointee.given & (1 << UInt64(a)) != 0 { pc += Int(ins.c) }
                case .importModule:
                    frame.pointee.pc = pc
                    let path = k[Int(ins.c)].stringValue ?? ""
                    let module = try moduleLoader.load(path, from: proto.file, vm: self)
                    regs[a] = module
                }
            }
        } catch {
            // The throwing frame is the top one: nested frames were popped on the way out.
            frames[frameCount - 1].pc = pc
            throw error
        }
    }
}

/// Whether the dispatch loop charges what it makes to the VM's memory meter. A type parameter
/// rather than a flag, so that each copy of the loop is compiled with its answer folded in.
protocol MemoryPolicy {
    static var metered: Bool { get }
}

/// The loop for VMs without a memory limit: no checks at all.
enum Unmetered: MemoryPolicy {
    static var metered: Bool { false }
}

/// The loop for VMs with a memory limit.
enum Metered: MemoryPolicy {
    static var metered: Bool { true }
}
