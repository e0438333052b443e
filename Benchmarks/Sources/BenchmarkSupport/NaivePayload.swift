import Foundation

/// The baseline: the payload as a plain `Codable` struct decoded by Foundation's `JSONDecoder`,
/// every field kept as decoded (what a first version of a store would hold).
public struct NaivePayload: Codable, Sendable {
    public struct PushData: Codable, Sendable {
        public var images: [String]?
        public var pushed_at: Double?
        public var pusher: String?
        public var tag: String?
    }

    public struct Repository: Codable, Sendable {
        public var comment_count: Double?
        public var date_created: Double?
        public var description: String?
        public var dockerfile: String?
        public var full_description: String?
        public var is_official: Bool?
        public var is_private: Bool?
        public var is_trusted: Bool?
        public var name: String?
        public var namespace: String?
        public var owner: String?
        public var repo_name: String?
        public var repo_url: String?
        public var star_count: Double?
        public var status: String?
    }

    public var callback_url: String?
    public var push_data: PushData?
    public var repository: Repository?

    public static func decode(_ body: [UInt8]) throws -> NaivePayload {
        try JSONDecoder().decode(NaivePayload.self, from: Data(body))
    }
}
