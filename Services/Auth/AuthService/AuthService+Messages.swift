import Foundation
import LyricaProtos
import LyricaService
import SwiftProtobuf

extension Lyrica_Auth_V1_User {
    init(_ user: User) {
        self = .with {
            $0.id = user.id.uuidString.lowercased()
            $0.email = user.email
            $0.username = user.username
            $0.fullName = user.fullName ?? ""
            $0.isActive = user.isActive
            $0.isVerified = user.isVerified
            $0.scopes = user.scopes.names
            $0.createdAt = Google_Protobuf_Timestamp(date: user.createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(date: user.updatedAt)
            if let lastLogin = user.lastLoginAt { $0.lastLoginAt = Google_Protobuf_Timestamp(date: lastLogin) }
        }
    }
}

extension Lyrica_Auth_V1_ApiKey {
    init(_ key: ApiKey) {
        self = .with {
            $0.id = key.id.uuidString.lowercased()
            $0.name = key.name
            $0.prefix = key.prefix
            $0.scopes = key.scopes.names
            $0.rateLimitPerMinute = Int32(key.rateLimitPerMinute)
            $0.rateLimitPerDay = Int32(key.rateLimitPerDay)
            $0.isActive = key.isUsable(at: Date())
            $0.createdAt = Google_Protobuf_Timestamp(date: key.createdAt)
            if let expires = key.expiresAt { $0.expiresAt = Google_Protobuf_Timestamp(date: expires) }
            if let used = key.lastUsedAt { $0.lastUsedAt = Google_Protobuf_Timestamp(date: used) }
            $0.usageCount = Int64(key.usageCount)
        }
    }
}

extension Lyrica_Auth_V1_Preferences {
    init(_ preferences: Preferences) throws {
        self = try .with {
            $0.preferredGenres = preferences.preferredGenres
            $0.preferredMoods = preferences.preferredMoods
            $0.defaultStructure = try Google_Protobuf_Struct(jsonString: preferences.defaultStructure)
            $0.language = preferences.language
            $0.theme = preferences.theme
            $0.notificationsEnabled = preferences.notificationsEnabled
            $0.updatedAt = Google_Protobuf_Timestamp(date: preferences.updatedAt)
        }
    }
}

extension Lyrica_Auth_V1_PublicKey {
    init(_ key: SigningKey) {
        self = .with {
            $0.keyID = key.keyID
            $0.algorithm = "EdDSA"
            $0.curve = "Ed25519"
            $0.publicKey = Data(key.publicKey)
            $0.createdAt = Google_Protobuf_Timestamp(date: key.createdAt)
            if let retires = key.retiresAt { $0.retiresAt = Google_Protobuf_Timestamp(date: retires) }
        }
    }
}

enum JSONWebKeySet {
    /// RFC 8037 OKP keys, for tools that verify JWTs with a JWKS.
    static func json(_ keys: [SigningKey]) -> String {
        let entries = keys.map { key in
            #"{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"\#(key.keyID)","x":"\#(Base64URL.encode(key.publicKey))"}"#
        }
        return #"{"keys":["# + entries.joined(separator: ",") + "]}"
    }
}
