import Foundation
import SwiftProtobuf

/// Renders descriptors as proto-like text (or their JSON), for `lyrica describe`.
struct DescriptorText {
    let set: Google_Protobuf_FileDescriptorSet

    func symbol(_ name: String, json: Bool) -> String? {
        for file in self.set.file {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            if let service = file.service.first(where: { prefix + $0.name == name }) {
                if json { return try? JSONMessages.encode(service, pretty: true) }
                var text = "\(name) is a service:\nservice \(service.name) {\n"
                for method in service.method { text += "  " + Self.signature(method) + "\n" }
                return text + "}"
            }
            if let (message, fullName) = Self.findMessage(name, in: file.messageType, scope: prefix) {
                if json { return try? JSONMessages.encode(message, pretty: true) }
                return "\(fullName) is a message:\n" + Self.render(message, indent: "")
            }
        }
        return nil
    }

    func method(service name: String, method methodName: String, json: Bool) -> String? {
        for file in self.set.file {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            guard let service = file.service.first(where: { prefix + $0.name == name }),
                let method = service.method.first(where: { $0.name == methodName })
            else { continue }
            if json { return try? JSONMessages.encode(method, pretty: true) }
            var text = "\(name).\(methodName) is a method:\n" + Self.signature(method)
            for type in [method.inputType, method.outputType] {
                let typeName = String(type.drop { $0 == "." })
                if let rendered = self.symbol(typeName, json: false) { text += "\n\n" + rendered }
            }
            return text
        }
        return nil
    }

    private static func signature(_ method: Google_Protobuf_MethodDescriptorProto) -> String {
        let input = (method.clientStreaming ? "stream " : "") + method.inputType
        let output = (method.serverStreaming ? "stream " : "") + method.outputType
        let idempotent = method.options.idempotencyLevel != .idempotencyUnknown ? " { option idempotency_level = \(method.options.idempotencyLevel == .noSideEffects ? "NO_SIDE_EFFECTS" : "IDEMPOTENT"); }" : ";"
        return "rpc \(method.name)(\(input)) returns (\(output))\(idempotent)"
    }

    private static func findMessage(
        _ name: String, in messages: [Google_Protobuf_DescriptorProto], scope: String
    ) -> (Google_Protobuf_DescriptorProto, String)? {
        for message in messages {
            let fullName = scope + message.name
            if fullName == name { return (message, fullName) }
            if let nested = findMessage(name, in: message.nestedType, scope: fullName + ".") { return nested }
        }
        return nil
    }

    private static func render(_ message: Google_Protobuf_DescriptorProto, indent: String) -> String {
        var text = "\(indent)message \(message.name) {\n"
        for nested in message.nestedType { text += render(nested, indent: indent + "  ") }
        for enumType in message.enumType {
            text += "\(indent)  enum \(enumType.name) {\n"
            for value in enumType.value { text += "\(indent)    \(value.name) = \(value.number);\n" }
            text += "\(indent)  }\n"
        }
        for field in message.field {
            let label = field.label == .repeated ? "repeated " : ""
            text += "\(indent)  \(label)\(Self.typeName(field)) \(field.name) = \(field.number);\n"
        }
        return text + "\(indent)}\n"
    }

    private static func typeName(_ field: Google_Protobuf_FieldDescriptorProto) -> String {
        switch field.type {
        case .message, .enum, .group: return field.typeName
        case .double: return "double"
        case .float: return "float"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .int32: return "int32"
        case .fixed64: return "fixed64"
        case .fixed32: return "fixed32"
        case .bool: return "bool"
        case .string: return "string"
        case .bytes: return "bytes"
        case .uint32: return "uint32"
        case .sfixed32: return "sfixed32"
        case .sfixed64: return "sfixed64"
        case .sint32: return "sint32"
        case .sint64: return "sint64"
        }
    }
}
