package dev.repl.cli;

import dev.repl.api.NodeStartException;
import dev.repl.api.client.FailureReason;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * Turns every failure into one line on stderr and an exit code. The stack trace is logged only
 * with --verbose, where it helps whoever reports the problem.
 */
final class ErrorHandler implements IParameterExceptionHandler, IExecutionExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cli = ex.getCommandLine();
        cli.getErr().println("repl: " + ex.getMessage() + " (see '" + cli.getCommandSpec().qualifiedName() + " --help')");
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, ParseResult parseResult) {
        if (ex instanceof ParameterException pe) {
            return handleParseException(pe, parseResult.originalArgs().toArray(String[]::new));
        }
        boolean verbose = ReplCli.isVerbose(parseResult);
        String line;
        if (ex instanceof NodeStartException || ex instanceof CommandFailedException) {
            line = ex.getMessage();
        } else {
            line = "unexpected error: " + FailureReason.describe(ex) + (verbose ? "" : " (run with --verbose for details)");
        }
        cli.getErr().println("repl: " + line);
        if (verbose) {
            LoggerFactory.getLogger(ErrorHandler.class).error("stack trace", ex);
        }
        return ExitCodes.ERROR;
    }
}
