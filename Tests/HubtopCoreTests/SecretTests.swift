import HubtopCore
import Testing

@Suite struct SecretTests {
    @Test func aSecretShowsNothingWhereverItIsPrinted() {
        let secret = Secret("hunter2-hunter2-hunter2")
        struct Holder {
            var name = "db"
            var password: Secret
        }
        let holder = Holder(password: secret)
        var dumped = ""
        dump(holder, to: &dumped)
        for text in [
            "\(secret)", String(describing: secret), String(reflecting: secret), "\(holder)", dumped,
        ] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect("\(secret)" == "(secret)")
        #expect(secret.reveal() == "hunter2-hunter2-hunter2")
    }
}
