package dev.kmb.broker;

import java.util.List;
import java.util.Optional;

/**
 * One page of dead letters, oldest first (by dead-lettered time across partitions, offset order within one);
 * {@code next} resumes after it, and is empty once every partition was read to its end. Immutable.
 */
public record DeadLetterPage(List<StoredDeadLetter> deadLetters, Optional<String> next) {

    public DeadLetterPage {
        deadLetters = List.copyOf(deadLetters);
    }
}
