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
secs <- function(expr) { t <- proc.time()[["elapsed"]]; force(expr); proc.time()[["elapsed"]] - t }

dt <- NULL
parse_s <- secs(dt <- fread(path, showProgress = FALSE))
cells <- NULL
aggregate_s <- secs({
  cells <- dt[, .(wins = sum(correct), n = .N), by = .(judgeId, arm)]
  cells[, losses := n - wins]
  cells[, arm := factor(arm, levels = unique(dt$arm))]
})
fit <- NULL
glmm_s <- secs(fit <- glmer(cbind(wins, losses) ~ 0 + arm + (1 | judgeId), data = cells,
                            family = binomial, nAGQ = 25,
                            control = glmerControl(optimizer = "bobyqa")))
sd <- attr(VarCorr(fit)$judgeId, "stddev")
cat(sprintf("R %s, data.table %s, lme4 %s:\n", getRversion(), packageVersion("data.table"), packageVersion("lme4")))
cat(sprintf("  fread          %.2f s   (%s rows)\n", parse_s, format(nrow(dt), big.mark = ",")))
cat(sprintf("  aggregate      %.2f s   (%s judge x arm cells)\n", aggregate_s, format(nrow(cells), big.mark = ",")))
cat(sprintf("  glmer nAGQ=25  %.2f s   (judge SD %.3f)\n", glmm_s, sd))
cat(sprintf("RESULT {\"parse\": %f, \"aggregate\": %f, \"glmm\": %f, \"sd\": %f, \"maxrss_mb\": null}\n",
            parse_s, aggregate_s, glmm_s, sd))
