import LyricaProtos
import LyricaRPC

/// Finds a method in the catalog by `/pkg.Service/Method`, `pkg.Service/Method` or `pkg.Service.Method`.
enum MethodLookup {
    static func find(_ name: String) throws -> LyricaMethodCatalog.Entry {
        var path = name.hasPrefix("/") ? name : "/" + name
        if !path.dropFirst().contains("/"), let dot = path.lastIndex(of: ".") {
            path.replaceSubrange(dot...dot, with: "/")
        }
        guard let entry = LyricaMethodCatalog.methods[path] else {
            let known = LyricaMethodCatalog.methods.keys.sorted().joined(separator: "\n  ")
            throw RPCError(.unimplemented, "This lyrica does not know \(path); it knows:\n  \(known)")
        }
        return entry
    }
}
