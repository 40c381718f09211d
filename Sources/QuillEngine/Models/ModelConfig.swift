/// A model's hyperparameters, read from GGUF metadata.
public struct ModelConfig: Sendable, Equatable {
    /// How one layer attends: over the whole context or a window, with its own rope base
    /// (Gemma 3's windowed and global layers differ in both).
    public struct LayerAttention: Sendable, Equatable {
        /// The number of most recent positions a query sees (itself included); nil for all.
        public var window: Int?
        public var ropeBase: Float
        public var ropeScale: Float
    }

    public var architecture: Architecture
    public var name: String
    public var contextLength: Int
    public var embeddingLength: Int
    public var layerCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    public var headDimension: Int
    public var rmsEpsilon: Float
    public var ropeFreqBase: Float
    /// Multiplies positions (linear rope scaling: 1 / factor).
    public var ropeFreqScale: Float
    public var ropeDimensions: Int
    public var vocabularySize: Int
    /// Per layer.
    public var layerAttention: [LayerAttention]

    /// Architectures whose forward pass the engine implements.
    public static var supportedArchitectures: [String] { Architecture.all.map(\.name) }

    public init(file: GGUFFile) throws {
        guard let arch = file.architecture else {
            throw ModelError("'\(file.path)' has no general.architecture: not a model file")
        }
        guard let architecture = Architecture.named(arch) else {
            throw ModelError("architecture '\(arch)' is not supported (supported: \(Self.supportedArchitectures.joined(separator: ", ")))")
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = file[key]?.int, v > 0 { return v }
            if let value { return value }
            throw ModelError("'\(file.path)': metadata key \(key.replacingOccurrences(of: "{arch}", with: arch)) is missing or not a positive integer")
        }
        self.architecture = architecture
        name = file[GGUFKey.name]?.string ?? arch
        embeddingLength = try int(GGUFKey.embeddingLength)
        layerCount = try int(GGUFKey.blockCount)
        feedForwardLength = try int(GGUFKey.feedForwardLength)
        headCount = try int(GGUFKey.headCount)
        headCountKV = try int(GGUFKey.headCountKV, default: headCount)
        contextLength = try int(GGUFKey.contextLength, default: 2048)
        headDimension = try int(GGUFKey.keyLength, default: embeddingLength / headCount)
        ropeDimensions = try int(GGUFKey.ropeDimensionCount, default: headDimension)
        rmsEpsilon = Float(file[GGUFKey.rmsEpsilon]?.double ?? 1e-5)
        ropeFreqBase = Float(file[GGUFKey.ropeFreqBase]?.double ?? 10000)
        var scale: Float = 1
        if let type = file[GGUFKey.ropeScalingType]?.string, type != "none" {
            guard type == "linear" else {
                throw ModelError("rope scaling '\(type)' is not supported (supported: none, linear)")
            }
            scale = 1 / Float(file[GGUFKey.ropeScalingFactor]?.double ?? 1)
        } else if let linear = file[GGUFKey.ropeScaleLinear]?.double, linear > 0 {
            scale = 1 / Float(linear)
        }
        ropeFreqScale = scale
        vocabularySize = file[GGUFKey.vocabSize]?.int ?? file[GGUFKey.tokens]?.array?.count ?? 0
        let window = architecture.windowPattern == .none ? 0 : try int(GGUFKey.slidingWindow)

        // Bounds that keep every later size computation meaningful for a damaged or hostile file.
        let limits: [(String, Int, ClosedRange<Int>)] = [
            ("embedding length", embeddingLength, 1...65536), ("block count", layerCount, 1...1024),
            ("feed-forward length", feedForwardLength, 1...1 << 20), ("head count", headCount, 1...1024),
            ("head dimension", headDimension, 2...4096), ("vocabulary size", vocabularySize, 1...1 << 22),
        ]
        for (what, value, range) in limits where !range.contains(value) {
            throw ModelError("'\(file.path)': \(what) \(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        guard rmsEpsilon.isFinite, rmsEpsilon > 0, ropeFreqBase.isFinite, ropeFreqBase > 0, ropeFreqScale.isFinite, ropeFreqScale > 0 else {
            throw ModelError("'\(file.path)': rms epsilon \(rmsEpsilon), rope base \(ropeFreqBase) and rope scale \(ropeFreqScale) must be positive numbers")
        }
        guard headCount % headCountKV == 0, ropeDimensions <= headDimension, ropeDimensions % 2 == 0 else {
            throw ModelError("'\(file.path)': inconsistent attention shape (\(headCount) heads, \(headCountKV) kv heads, head dim \(headDimension), rope dims \(ropeDimensions))")
        }
        // Windowed layers use the architecture's own rope base, unscaled (as llama.cpp does).
        let global = LayerAttention(window: nil, ropeBase: ropeFreqBase, ropeScale: scale)
        let windowed = LayerAttention(window: window, ropeBase: architecture.windowedRopeBase ?? ropeFreqBase, ropeScale: 1)
        layerAttention = (0..<layerCount).map { architecture.windowPattern.isWindowed(layer: $0) ? windowed : global }
    }
}
