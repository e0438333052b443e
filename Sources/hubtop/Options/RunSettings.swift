import ArgumentParser

/// Every `run` option group, checked once into typed settings, with the rules that span groups.
struct RunSettings {
    let listener: ListenerSettings
    let store: StoreSettings
    let display: DisplaySettings
    let forward: ForwardSettings
    let registry: RegistrySettings
    let database: DatabaseSettings?
    let onEvent: OnEventSettings
    let notify: NotifySettings

    init(_ command: RunCommand) throws(ValidationError) {
        listener = try ListenerSettings(command.listener)
        store = try StoreSettings(command.store)
        display = try DisplaySettings(command.display)
        forward = try ForwardSettings(command.forward)
        registry = try RegistrySettings(command.registry, demo: display.demoRate != nil)
        database = try DatabaseSettings.from(command.database)
        onEvent = try OnEventSettings(command.onEvent)
        notify = try NotifySettings(command.notify)
        if database != nil {
            if store.journal != nil {
                throw ValidationError("--database keeps the history; leave out --journal")
            }
            if display.demoRate != nil {
                throw ValidationError("--demo feeds the local store only; leave out --database")
            }
        } else if listener.address == nil {
            throw ValidationError("--listen none watches a shared history: give --database")
        }
    }

    /// Whether this run receives deliveries (not `--listen none`).
    var listens: Bool { listener.address != nil }

    /// Files that hold a secret, looked at for other readers when the run starts.
    var secretFiles: [String] { listener.secretFiles + [database?.file].compactMap { $0 } }
}
