/// The VM's operations. `R[x]` is register x of the current frame, `K[x]` constant x.
/// Conditional jumps with two registers jump when the comparison is *false*, which is what
/// `if` and `while` need.
public enum Opcode: UInt8, Sendable {
    case move            // R[A] = R[B]
    case loadConst       // R[A] = K[C]
    case loadNil         // R[A] = nil
    case loadBool        // R[A] = B != 0
    case loadInt         // R[A] = C
    case getUpvalue      // R[A] = Up[B]
    case setUpvalue      // Up[B] = R[A]
    case getGlobal       // R[A] = module slot C
    case setGlobal       // module slot C = R[A]
    case getMember       // R[A] = R[B].(K[C])
    case setMember       // R[A].(K[B]) = R[C]
    case getIndex        // R[A] = R[B][R[C]]
    case setIndex        // R[A][R[B]] = R[C]
    case slice           // R[A] = R[B][R[C] : R[C+1]]
    case newList         // R[A] = [R[B] ..< R[B+C]]
    case newMap          // R[A] = {R[B]: R[B+1], ...} (C pairs)
    case add, subtract, multiply, divide, floorDivide, modulo, power // R[A] = R[B] op R[C]
    case addInt          // R[A] = R[B] + C
    case multiplyInt     // R[A] = R[B] * C
    case moduloInt       // R[A] = R[B] % C (C > 0)
    case floorDivideInt  // R[A] = R[B] // C (C > 0)
    case equal, notEqual, less, lessEqual // R[A] = R[B] op R[C]
    case contains        // R[A] = R[B] in R[C]
    case not             // R[A] = not R[B]
    case negate          // R[A] = -R[B]
    case jump            // pc += C
    case jumpIfFalse     // if not R[A]: pc += C
    case jumpIfTrue      // if R[A]: pc += C
    case jumpIfNotNil    // if R[A] != nil: pc += C
    case jumpUnlessLess, jumpUnlessLessEqual, jumpUnlessEqual, jumpUnlessNotEqual // if not (R[A] op R[B]): pc += C
    // The same against a small int constant: B holds it as an Int16 bit pattern.
    case jumpUnlessLessInt, jumpUnlessLessEqualInt, jumpUnlessGreaterInt, jumpUnlessGreaterEqualInt
    case jumpUnlessEqualInt, jumpUnlessNotEqualInt
    case call            // R[A] = R[A](R[A+1] ..< R[A+1+B]); C-1 = call site (named arguments) or C = 0
    case invoke          // R[A] = R[A].name(R[A+1] ..< R[A+1+B]); C = call site
    case invokePush      // `R[A].push(R[A+1])`: appends directly when R[A] is a list, else as invoke
    case closure         // R[A] = closure of prototype C
    case close           // close upvalues at or above R[A]
    case ret             // return R[A], or nil when B == 0
    case forPrepare      // prepare iteration over R[A]; pc += C (to the forNext)
    case forNext         // advance; if more: loop variables R[A+3], R[A+4] (B of them), pc += C
    case tryBegin        // on error: R[A] = error, pc += C
    case tryEnd          // drop the innermost handler
    case throwError      // throw R[A]
    case concat          // R[A] = str(R[B]) + ... + str(R[B+C-1])
    case appendMessage   // R[A].push({role: K[C], content: str(R[B])})
    case makePrompt      // R[A] = prompt value of this function with messages R[B]
    case skipIfGiven     // if parameter A was passed: pc += C (skips its default)
    case importModule    // R[A] = module at path K[C]
}

/// One instruction: an opcode and three operands. 12 bytes.
public struct Instruction: Sendable {
    public var op: Opcode
    public var a: UInt16
    public var b: UInt16
    public var c: Int32

    @inline(__always) public init(_ op: Opcode, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0) {
        self.op = op
        self.a = UInt16(truncatingIfNeeded: a)
        self.b = UInt16(truncatingIfNeeded: b)
        self.c = Int32(truncatingIfNeeded: c)
    }
}
