// swift-tools-version:6.0
import Foundation
import PackageDescription

// Quill is this repository's root package, two directories up. A path dependency's identity is
// its directory's name, which depends on where the repository was cloned, so it is read here.
let quillPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
let quillIdentity = quillPath.lastPathComponent.lowercased()

let package = Package(
    name: "CatalogueDemo",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: quillPath.path),
    ],
    targets: [
        .executableTarget(name: "CatalogueDemo", dependencies: [
            .product(name: "Quill", package: quillIdentity),
        ]),
    ]
)
