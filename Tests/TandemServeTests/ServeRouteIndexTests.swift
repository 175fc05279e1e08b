@testable import TandemServe
import Testing

/// The metrics keep their counters per route at `Route.index`: each route's own slot.
@Suite struct ServeRouteIndexTests {
    @Test func indexIsThePositionInAllCases() {
        let routes = ServeResponder.Route.allCases
        #expect(routes.map(\.index) == Array(routes.indices))
    }
}
