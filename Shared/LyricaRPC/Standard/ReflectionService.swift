import Foundation
import SwiftProtobuf

/// Serves `lyrica.reflection.v1.ServerReflection`: the services this server serves and their
/// descriptors, so tools can list, describe and call them without the .proto files.
struct ReflectionService: Lyrica_Reflection_V1_ServerReflection.ServiceProtocol {
    let services: [ServiceDescriptor]
    /// Every file any service needs, by name, in dependency order.
    let files: [Google_Protobuf_FileDescriptorProto]

    init(services: [ServiceDescriptor]) {
        // Reflection lists itself too.
        let all = services + [Lyrica_Reflection_V1_ServerReflection.descriptor]
        var seen = Set<String>()
        var files: [Google_Protobuf_FileDescriptorProto] = []
        for service in all {
            guard let data = Data(base64Encoded: service.fileDescriptorSetBase64),
                let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: data)
            else { continue }
            for file in set.file where seen.insert(file.name).inserted { files.append(file) }
        }
        var unique: [String: ServiceDescriptor] = [:]
        for service in all { unique[service.name] = service }
        self.services = unique.values.sorted { $0.name < $1.name }
        self.files = files
    }

    func listServices(_ request: Lyrica_Reflection_V1_ListServicesRequest, context: RPCContext) async throws
        -> Lyrica_Reflection_V1_ListServicesResponse
    {
        .with { response in
            response.services = self.services.map { service in
                .with { info in
                    info.name = service.name
                    info.methods = service.methods.map { method in
                        .with {
                            $0.name = method.method
                            $0.path = method.path
                            $0.requestType = method.requestType
                            $0.responseType = method.responseType
                            $0.clientStreaming = method.kind.clientStreams
                            $0.serverStreaming = method.kind.serverStreams
                            $0.idempotent = method.isIdempotent
                        }
                    }
                }
            }
        }
    }

    func fileDescriptorSet(_ request: Lyrica_Reflection_V1_FileDescriptorSetRequest, context: RPCContext) async throws
        -> Lyrica_Reflection_V1_FileDescriptorSetResponse
    {
        var set = Google_Protobuf_FileDescriptorSet()
        if request.symbol.isEmpty {
            set.file = self.files
        } else {
            guard let file = self.files.first(where: { Self.defines($0, symbol: request.symbol) }) else {
                throw RPCError(.notFound, "No service or message named '\(request.symbol)' here; `lyrica list` shows what is")
            }
            set.file = self.closure(of: file)
        }
        return try .with { $0.fileDescriptorSet = try set.serializedBytes() }
    }

    private func closure(of file: Google_Protobuf_FileDescriptorProto) -> [Google_Protobuf_FileDescriptorProto] {
        var needed = Set<String>()
        func visit(_ name: String) {
            guard needed.insert(name).inserted, let file = self.files.first(where: { $0.name == name }) else { return }
            file.dependency.forEach(visit)
        }
        visit(file.name)
        return self.files.filter { needed.contains($0.name) }
    }

    private static func defines(_ file: Google_Protobuf_FileDescriptorProto, symbol: String) -> Bool {
        let prefix = file.package.isEmpty ? "" : file.package + "."
        func messages(_ list: [Google_Protobuf_DescriptorProto], scope: String) -> Bool {
            list.contains { message in
                let name = scope + message.name
                return name == symbol || messages(message.nestedType, scope: name + ".")
                    || message.enumType.contains { name + "." + $0.name == symbol }
            }
        }
        return file.service.contains { prefix + $0.name == symbol } || messages(file.messageType, scope: prefix)
            || file.enumType.contains { prefix + $0.name == symbol }
    }
}
