// A shift, a promotion and a rollback behind the gateway-api router touch only what a traffic step may
// (test/trafficInvariant.ts has the invariant and the steps).
import { describeTrafficSteps } from "./trafficInvariant";

describeTrafficSteps("gateway-api");
