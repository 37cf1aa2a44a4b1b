package dev.repl.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.log.RecordCodec;
import dev.repl.log.SegmentedLog;
import dev.repl.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raft's AppendEntries rules on a follower's log, entry by entry. */
class AppendRulesTest {

    @TempDir
    Path dir;
    SegmentedLog log;

    @BeforeEach
    void open() throws IOException {
        log = SegmentedLog.open(dir, 1 << 20, 0, 0);
    }

    @AfterEach
    void close() {
        log.close();
    }

    /** Records {@code from}..{@code to}, each of the term at its position in {@code terms} (index 1 first). */
    private static ByteBuf records(long from, long... terms) {
        ByteBuf out = Unpooled.buffer();
        for (int i = 0; i < terms.length; i++) {
            RecordCodec.write(out, terms[i], from + i, ("v" + (from + i) + "t" + terms[i]).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private AppendRules.Outcome append(long prevIndex, long prevTerm, ByteBuf records, long commit, long leaderTerm) throws IOException {
        try {
            return AppendRules.apply(log, prevIndex, prevTerm, records, commit, leaderTerm);
        } finally {
            records.release();
        }
    }

    @Test
    void entriesAfterAMatchingPrevAreAppended() throws IOException {
        assertEquals(new AppendRules.Outcome(true, 3), append(0, 0, records(1, 1, 1, 1), 0, 1));
        assertEquals(new AppendRules.Outcome(true, 5), append(3, 1, records(4, 2, 2), 0, 2));
        assertEquals(5, log.lastIndex());
        assertEquals(2, log.lastTerm());
    }

    @Test
    void aGapIsRefusedWithWhereToResume() throws IOException {
        append(0, 0, records(1, 1, 1), 0, 1);
        assertEquals(new AppendRules.Outcome(false, 3), append(5, 1, records(6, 1), 0, 1), "the log ends at 2: resume at 3");
        assertEquals(2, log.lastIndex(), "nothing appended");
    }

    @Test
    void aPrevOfAnotherTermIsRefusedSkippingThatWholeTerm() throws IOException {
        append(0, 0, records(1, 1, 2, 2, 2), 0, 2);
        AppendRules.Outcome refused = append(4, 3, records(5, 3), 1, 3);
        assertEquals(new AppendRules.Outcome(false, 2), refused, "index 4 is of term 2 here: resume where term 2 began");
    }

    @Test
    void entriesAlreadyHeldAreSkippedAndAConflictingSuffixIsReplaced() throws IOException {
        append(0, 0, records(1, 1, 1, 2, 2), 1, 2);
        // The new leader of term 3 has 1..2 of term 1 and its own 3..4.
        assertEquals(new AppendRules.Outcome(true, 4), append(0, 0, records(1, 1, 1, 3, 3), 1, 3));
        assertEquals(3, log.termAt(3));
        assertEquals(3, log.termAt(4));
        assertEquals(4, log.lastIndex());
        // A repeat of what is held changes nothing and is acknowledged.
        assertEquals(new AppendRules.Outcome(true, 2), append(0, 0, records(1, 1, 1), 1, 3));
        assertEquals(4, log.lastIndex(), "an old append never truncates what follows it when it agrees");
    }

    @Test
    void aLeaderThatWouldOverwriteACommittedEntryIsRefusedAsAProtocolError() throws IOException {
        append(0, 0, records(1, 1, 1, 1), 3, 1);
        ProtocolException e = assertThrows(ProtocolException.class, () -> append(1, 1, records(2, 4), 3, 4));
        assertTrue(e.getMessage().contains("conflicts with a committed one"), e.getMessage());
        assertEquals(3, log.lastIndex(), "the log was not touched");
    }

    @Test
    void aDamagedRecordIsRefusedBeforeAnythingIsWritten() throws IOException {
        ByteBuf damaged = records(1, 1, 1);
        damaged.setByte(damaged.writerIndex() - 1, damaged.getByte(damaged.writerIndex() - 1) ^ 1);
        ProtocolException e = assertThrows(ProtocolException.class, () -> append(0, 0, damaged, 0, 1));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertEquals(0, log.lastIndex());
    }

    @Test
    void recordsOutOfOrderOrOfALaterTermThanTheLeadersAreRefused() {
        assertThrows(ProtocolException.class, () -> append(0, 0, records(2, 1), 0, 1), "index 2 where 1 was due");
        assertThrows(ProtocolException.class, () -> append(0, 0, records(1, 5), 0, 4), "term 5 from a leader of term 4");
        assertThrows(ProtocolException.class, () -> append(0, 0, records(1, 2, 1), 0, 2), "terms go down");
    }

    @Test
    void anEmptyAppendAnswersWhetherThePrevMatches() throws IOException {
        append(0, 0, records(1, 1, 1), 0, 1);
        assertEquals(new AppendRules.Outcome(true, 2), append(2, 1, Unpooled.buffer(0), 2, 1));
        assertEquals(new AppendRules.Outcome(false, 1), append(2, 2, Unpooled.buffer(0), 0, 2));
    }
}
