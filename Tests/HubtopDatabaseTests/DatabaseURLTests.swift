import HubtopCore
import Testing

@testable import HubtopDatabase

@Suite struct DatabaseURLTests {
    @Test func urlsAreReadAsPostgreSQLWritesThem() throws {
        let url = try DatabaseURL(
            parsing: "postgres://hub%40top:p%2Fss@db.internal:6543/events?sslmode=require")
        #expect(url.user == "hub@top" && url.password?.reveal() == "p/ss")
        #expect(url.host == "db.internal" && url.port == 6543 && url.database == "events")
        #expect(url.sslMode == "require")
        #expect(
            url.description == "postgres://hub@top:***@db.internal:6543/events?sslmode=require", "no password"
        )
        let short = try DatabaseURL(parsing: "postgresql://me@[::1]/")
        #expect(
            short.host == "::1" && short.port == 5432 && short.database == "me" && short.sslMode == "disable")
        for bad in ["mysql://x", "postgres://h:99999/db", "postgres://h/db?sslmode=maybe"] {
            #expect(throws: DatabaseURL.Failure.self) { try DatabaseURL(parsing: bad) }
        }
    }

    @Test func deliveryRecordsRoundTrip() {
        let info = DeliveryInfo(
            origin: .webhook, source: "10.0.0.1", userAgent: "Go-http-client/1.1", forwardedFor: "1.2.3.4",
            forwardedForTrusted: true, allowedBy: "acme/*", deliveryID: "d-1")
        #expect(DeliveryRecord.info(DeliveryRecord.text(info)) == info)
        #expect(DeliveryRecord.info("{}") == nil && DeliveryRecord.info("not json") == nil)
    }

    @Test func foldKeysFollowTheStoresRule() throws {
        func payload(_ json: String) throws -> WebhookPayload { try PayloadDecoder.decode(json) }
        let a = try payload(
            #"{"callback_url":"https://cb/1","push_data":{"pushed_at":5,"tag":"v1"},"repository":{"repo_name":"a/b"}}"#
        )
        let b = try payload(
            #"{"callback_url":"https://cb/1","push_data":{"pushed_at":5,"tag":"v2"},"repository":{"repo_name":"a/c"}}"#
        )
        let c = try payload(#"{"push_data":{"pushed_at":5,"tag":"v1"},"repository":{"repo_name":"a/b"}}"#)
        let d = try payload(#"{"push_data":{"pushed_at":5},"repository":{"repo_name":"a/b"}}"#)
        let none = try payload(#"{"push_data":{"tag":"v1"},"repository":{"repo_name":"a/b"}}"#)
        #expect(a.foldKey == b.foldKey, "same callback and push time: a redelivery")
        #expect(a.foldKey != c.foldKey && c.foldKey != d.foldKey)
        #expect(none.foldKey == nil)
        #expect(c.foldKey?.contains("\u{0}") == false)
    }
}
