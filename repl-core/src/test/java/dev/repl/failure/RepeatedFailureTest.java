package dev.repl.failure;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RepeatedFailureTest {

    /** scheduleAtFixedRate drops a task at its first exception; a guarded one runs on. */
    @Test
    void guardedPeriodicTaskRunsOnAfterItsFailures() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger runs = new AtomicInteger();
            timer.scheduleAtFixedRate(RepeatedFailure.guard(LoggerFactory.getLogger(RepeatedFailureTest.class), "test tick", () -> {
                runs.incrementAndGet();
                throw new IllegalStateException("a bug in the tick");
            }), 0, 5, TimeUnit.MILLISECONDS);
            await("the tick to run again and again").atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 5);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void failuresAreCounted() {
        RepeatedFailure failures = new RepeatedFailure(LoggerFactory.getLogger(RepeatedFailureTest.class), "test");
        failures.failed(new IllegalStateException("one"));
        failures.failed(new IllegalStateException("two"));
        assertEquals(2, failures.count());
    }
}
