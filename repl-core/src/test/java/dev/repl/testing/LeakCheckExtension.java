package dev.repl.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs after every test (registered by service loading): collects garbage, lets Netty's
 * detector look at what was collected, and fails the test if any buffer was never released.
 */
public final class LeakCheckExtension implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        for (int round = 0; round < 3; round++) {
            System.gc();
            // The detector reports only when it tracks a new buffer, so allocate a few.
            ByteBufAllocator.DEFAULT.buffer(1).release();
            UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        List<String> leaks = RecordingLeakDetector.drain();
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " ByteBuf leak(s) detected:\n" + String.join("\n", leaks));
        }
    }
}
