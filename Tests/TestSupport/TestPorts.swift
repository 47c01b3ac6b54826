import Foundation

/// Loopback ports for servers tests start themselves.
package enum TestPorts {
    /// A port nothing listens on now, below Linux's ephemeral range (32768–60999): outgoing
    /// connections never take one there, so a server can still bind it a moment later — and
    /// bind it again after a restart.
    package static func unused() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            if Self.canBind(port) { return port }
        }
        throw TestPortError(description: "no unused loopback port in 20000–31999")
    }

    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

struct TestPortError: Error, CustomStringConvertible {
    let description: String
}
