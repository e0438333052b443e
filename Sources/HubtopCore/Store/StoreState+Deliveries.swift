/// Delivery details shared among events: a sender's deliveries differ only in the number at
/// the end of hubtop's id, so the store keeps one object per sender and a number per event.
extension StoreState {
    /// The shared object and number an event keeps for `delivery`; the delivery itself (and
    /// number 0) when its id has no number to split off.
    mutating func holdDelivery(_ delivery: DeliveryInfo?) -> (DeliveryInfo?, UInt64) {
        guard let delivery, let (shared, number) = delivery.splitNumber() else { return (delivery, 0) }
        if let index = sharedDeliveries.index(forKey: shared) {
            let held = sharedDeliveries[index].key
            sharedDeliveries.values[index] += 1
            return (held, number)
        }
        sharedDeliveries[shared] = 1
        bytes += MemoryCost.sharedDelivery(shared)
        return (shared, number)
    }

    /// Lets go of an evicted event's hold on its shared delivery details.
    mutating func releaseDelivery(of event: StoredEvent) {
        guard event.deliveryNumber != 0, let shared = event.sharedDelivery,
            let index = sharedDeliveries.index(forKey: shared)
        else { return }
        if sharedDeliveries.values[index] > 1 {
            sharedDeliveries.values[index] -= 1
        } else {
            sharedDeliveries.remove(at: index)
            bytes -= MemoryCost.sharedDelivery(shared)
        }
    }
}
