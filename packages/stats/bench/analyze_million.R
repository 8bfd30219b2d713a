# The R side of the benchmark: what an R user does with the exported CSV.
#   Rscript bench/analyze_million.R JUDGMENTS.csv
# data.table::fread reads it; the judge random-intercept model the TypeScript analysis fits
# (cbind(wins, losses) ~ 0 + arm + (1 | judge), 25-point adaptive Gauss-Hermite) is fitted with
# lme4::glmer on the same per-(judge, arm) cells. Prints timings and a final "RESULT {json}" line.
# Needs Debian's r-base-core r-cran-data.table r-cran-lme4.
suppressPackageStartupMessages({
  library(data.table)
  library(lme4)
})
args <- commandArgs(trailingOnly = TRUE)
path <- args[1]
# wall-clock seconds, and CPU seconds (user + system, every thread: fread reads in parallel) in `cpu`
cpu <- list()
secs <- function(expr, name) {
  t <- proc.time()
  force(expr)
  d <- proc.time() - t
  cpu[[name]] <<- d[["user.self"]] + d[["sys.self"]]
  d[["elapsed"]]
}

dt <- NULL
parse_s <- secs(dt <- fread(path, showProgress = FALSE), "parse")
cells <- NULL
aggregate_s <- secs({
  cells <- dt[, .(wins = sum(correct), n = .N), by = .(judgeId, arm)]
  cells[, losses := n - wins]
  cells[, arm := factor(arm, levels = unique(dt$arm))]
}, "aggregate")
fit <- NULL
glmm_s <- secs(fit <- glmer(cbind(wins, losses) ~ 0 + arm + (1 | judgeId), data = cells,
                            family = binomial, nAGQ = 25,
                            control = glmerControl(optimizer = "bobyqa")), "glmm")
sd <- attr(VarCorr(fit)$judgeId, "stddev")
cat(sprintf("R %s, data.table %s, lme4 %s:\n", getRversion(), packageVersion("data.table"), packageVersion("lme4")))
cat(sprintf("  fread          %.2f s   (CPU %.2f s; %s rows)\n", parse_s, cpu$parse, format(nrow(dt), big.mark = ",")))
cat(sprintf("  aggregate      %.2f s   (CPU %.2f s; %s judge x arm cells)\n", aggregate_s, cpu$aggregate,
            format(nrow(cells), big.mark = ",")))
cat(sprintf("  glmer nAGQ=25  %.2f s   (CPU %.2f s; judge SD %.3f)\n", glmm_s, cpu$glmm, sd))
cat(sprintf(paste0("RESULT {\"parse\": %f, \"aggregate\": %f, \"glmm\": %f, \"parse_cpu\": %f, ",
                   "\"aggregate_cpu\": %f, \"glmm_cpu\": %f, \"sd\": %f, \"maxrss_mb\": null}\n"),
            parse_s, aggregate_s, glmm_s, cpu$parse, cpu$aggregate, cpu$glmm, sd))
