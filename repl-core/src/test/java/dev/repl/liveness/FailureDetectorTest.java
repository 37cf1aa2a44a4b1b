package dev.repl.liveness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.DetectorConfig;
import dev.repl.api.DetectorPolicy;
import dev.repl.api.FollowerState;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The detectors on a synthetic clock: verdicts follow the silence, never the wall time of the test. */
class FailureDetectorTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void timeoutDetectorIsSuspectAfterHalfTheTimeoutAndDownAfterAllOfIt() {
        FailureDetector detector = new TimeoutDetector(500 * MS);
        detector.reset(0);
        detector.ackReceived(100 * MS);
        assertEquals(FollowerState.UP, detector.judge(300 * MS));
        assertEquals(FollowerState.SUSPECT, detector.judge(351 * MS));
        assertEquals(FollowerState.DOWN, detector.judge(601 * MS));
        detector.ackReceived(650 * MS);
        assertEquals(FollowerState.UP, detector.judge(700 * MS));
        assertEquals("timeout 500 ms", detector.suspicion(700 * MS));
    }

    @Test
    void phiGrowsWithSilenceAgainstTheObservedIntervals() {
        PhiAccrualDetector detector = new PhiAccrualDetector(8, 100 * MS, 10 * MS, 0);
        detector.reset(0);
        long t = 0;
        for (int i = 0; i < 200; i++) {
            t += 100 * MS;
            detector.ackReceived(t);
        }
        assertTrue(detector.phi(t + 100 * MS) < 1, "an on-time ack is not suspicious");
        assertTrue(detector.phi(t + 150 * MS) > 1);
        assertEquals(FollowerState.UP, detector.judge(t + 120 * MS));
        assertEquals(FollowerState.DOWN, detector.judge(t + 300 * MS));
        assertTrue(detector.phi(t + 200 * MS) < detector.phi(t + 250 * MS), "phi increases with silence");
    }

    @Test
    void phiToleratesTheJitterItHasSeen() {
        PhiAccrualDetector steady = new PhiAccrualDetector(8, 100 * MS, 1 * MS, 0);
        PhiAccrualDetector jittery = new PhiAccrualDetector(8, 100 * MS, 1 * MS, 0);
        steady.reset(0);
        jittery.reset(0);
        long s = 0;
        long j = 0;
        for (int i = 0; i < 500; i++) {
            s += 100 * MS;
            steady.ackReceived(s);
            j += (i % 2 == 0 ? 40 : 160) * MS;
            jittery.ackReceived(j);
        }
        assertTrue(jittery.phi(j + 250 * MS) < steady.phi(s + 250 * MS), "the same silence is less suspicious on a jittery link");
    }

    @Test
    void acceptablePauseDelaysSuspicion() {
        PhiAccrualDetector strict = new PhiAccrualDetector(8, 100 * MS, 20 * MS, 0);
        PhiAccrualDetector lenient = new PhiAccrualDetector(8, 100 * MS, 20 * MS, 300 * MS);
        strict.reset(0);
        lenient.reset(0);
        assertEquals(FollowerState.DOWN, strict.judge(400 * MS));
        assertEquals(FollowerState.UP, lenient.judge(400 * MS));
    }

    @Test
    void phiMatchesTheNormalTailItApproximates() {
        // One standard deviation above the mean: P(X > x) is about 0.159, so phi about 0.8.
        assertEquals(0.8, PhiAccrualDetector.phi(110, 100, 10), 0.05);
        // Mean plus 5.2 deviations is roughly phi 8, the default threshold.
        assertEquals(8.0, PhiAccrualDetector.phi(152, 100, 10), 0.6);
    }

    @Test
    void configRejectsSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new DetectorConfig(Duration.ofMillis(100), DetectorPolicy.TIMEOUT,
                Duration.ofMillis(150), 8, Duration.ofMillis(50), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new DetectorConfig(Duration.ofMillis(100), DetectorPolicy.PHI,
                Duration.ofMillis(500), 0.5, Duration.ofMillis(50), Duration.ZERO));
        assertEquals(DetectorPolicy.PHI, DetectorConfig.defaults().policy());
        assertEquals(Duration.ofMillis(100), DetectorConfig.defaults().heartbeatInterval());
    }
}
