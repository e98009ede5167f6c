# Independent recomputation of published survey results with R's survey package (Lumley).
#
#   Rscript tests/r/befragung_vergleich.R <folder>
#
# Reads from <folder> (written by tests/test_survey_r.py):
#   befragte.csv  one row per respondent: answer codes, weighting variables (register labels,
#                 NA = unknown), group labels, the tool's weight
#   register.csv  margin totals: margin ("altersgruppe|geschlecht"), kategorie ("30 bis unter 45|weiblich"), anzahl
#   zellen.csv    the sampled published cells: what to estimate and the tool's share and interval
#   tests.csv     the group comparisons: what to test and the tool's p-value
# Writes <folder>/r_zellen.csv, <folder>/r_tests.csv, <folder>/r_gewichte.csv and prints what it compared.
#
# Design: simple random sample (ids = ~1), calibrated to the register margins with the raking
# distance (calibrate(calfun = "raking")). A respondent with an unknown weighting variable gets
# fractional calibration variables: the register distribution of the margin given the known values.
# Intervals: svyciprop(method = "beta") (Korn-Graubard); where R's effective n is undefined (share
# 0 %/100 % or variance 0) binom.test's Clopper-Pearson interval at the cell's unweighted n.
# Tests: svychisq(~group + answer, statistic = "F") (Rao-Scott, second-order).
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", warn = 1)

args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
rd <- function(name) read.csv(file.path(dir, name), stringsAsFactors = FALSE, encoding = "UTF-8",
                              na.strings = c("", "NA"), check.names = FALSE)
dat <- rd("befragte.csv")
reg <- rd("register.csv")
cells <- rd("zellen.csv")
tests <- rd("tests.csv")
n <- nrow(dat)

# ---- calibration variables (fractional for unknown values) ---------------------------------
xcols <- list()
totals <- c()
for (m in unique(reg$margin)) {
  vars <- strsplit(m, "|", fixed = TRUE)[[1]]
  r <- reg[reg$margin == m, ]
  keys <- do.call(rbind, strsplit(r$kategorie, "|", fixed = TRUE))
  if (length(vars) == 1) keys <- matrix(r$kategorie, ncol = 1)
  for (j in seq_len(nrow(r))) {
    x <- rep(1, n)
    for (v in seq_along(vars)) {
      val <- dat[[paste0("wv_", vars[v])]]
      x <- x * ifelse(is.na(val), 1, as.numeric(val == keys[j, v]))
    }
    # unknown values: share of this cell among the register cells that agree with the known ones
    unknown <- Reduce(`|`, lapply(vars, function(v) is.na(dat[[paste0("wv_", v)]])))
    for (i in which(unknown)) {
      agree <- rep(TRUE, nrow(r))
      for (v in seq_along(vars)) {
        val <- dat[[paste0("wv_", vars[v])]][i]
        if (!is.na(val)) agree <- agree & keys[, v] == val
      }
      x[i] <- if (agree[j]) r$anzahl[j] / sum(r$anzahl[agree]) else 0
    }
    name <- sprintf("x%03d", length(xcols) + 1)
    xcols[[name]] <- x
    totals[name] <- r$anzahl[j]
  }
}
keep <- totals > 0
xm <- as.data.frame(xcols)[, keep]
totals <- totals[keep]
dat <- cbind(dat, xm)
N <- sum(reg$anzahl[reg$margin == reg$margin[1]])
dat$d0 <- N / n
des0 <- svydesign(ids = ~1, weights = ~d0, data = dat)
cal <- calibrate(des0, as.formula(paste("~ 0 +", paste(names(totals), collapse = " + "))),
                 population = totals, calfun = "raking", epsilon = 1e-12, maxit = 200)
w_r <- weights(cal) / mean(weights(cal))
write.csv(data.frame(lfd_nr = dat$lfd_nr, r_gewicht = w_r), file.path(dir, "r_gewichte.csv"), row.names = FALSE)
cat(sprintf("Gewichte: %d Befragte, größte Abweichung R gegenüber Werkzeug %.2e\n", n,
            max(abs(w_r - dat$gewicht))))

codes <- function(s) as.numeric(strsplit(as.character(s), " ", fixed = TRUE)[[1]])
answer <- function(spec) {
  # valid: filter passed and answered; y: one of the counted codes (multiple: option ticked)
  vars <- strsplit(spec$vars, " ", fixed = TRUE)[[1]]
  base <- rep(TRUE, n)
  if (!is.na(spec$filter_var)) base <- dat[[spec$filter_var]] %in% codes(spec$filter_codes)
  if (length(vars) > 1 || spec$type == "multiple") {
    valid <- base & Reduce(`|`, lapply(vars, function(v) !is.na(dat[[v]])))
    y <- !is.na(dat[[spec$var]]) & dat[[spec$var]] == 1
  } else {
    valid <- base & !is.na(dat[[spec$var]])
    y <- dat[[spec$var]] %in% codes(spec$yes_codes)
  }
  list(valid = valid, y = as.numeric(y))
}

# ---- cells ---------------------------------------------------------------------------------
out <- data.frame(id = cells$id, r_n = NA, r_share = NA, r_ci_low = NA, r_ci_high = NA, r_interval = NA)
for (k in seq_len(nrow(cells))) {
  spec <- cells[k, ]
  a <- answer(spec)
  dom <- a$valid
  if (spec$group_var != "insgesamt") dom <- dom & !is.na(dat[[paste0("g_", spec$group_var)]]) &
    dat[[paste0("g_", spec$group_var)]] == spec$group_value
  cal$variables$y_ <- a$y
  sub <- subset(cal, dom)
  nd <- sum(dom)
  ci <- svyciprop(~y_, sub, method = "beta")
  p <- as.numeric(ci)
  lim <- attr(ci, "ci")
  how <- "Korn-Graubard"
  if (any(!is.finite(lim)) || p <= 0 || p >= 1 || as.numeric(attr(ci, "var")) < 1e-14) {
    # effective n undefined: Clopper-Pearson at the unweighted n (binom.test; qbeta for non-integer counts)
    x <- p * nd
    lim <- if (abs(x - round(x)) < 1e-9) binom.test(round(x), nd)$conf.int else
      c(qbeta(0.025, x, nd - x + 1), qbeta(0.975, x + 1, nd - x))
    how <- "Clopper-Pearson"
  }
  out[k, 2:6] <- list(nd, 100 * p, 100 * lim[1], 100 * lim[2], how)
}
write.csv(out, file.path(dir, "r_zellen.csv"), row.names = FALSE)

# ---- group comparisons ---------------------------------------------------------------------
tout <- data.frame(id = tests$id, r_p = NA)
for (k in seq_len(nrow(tests))) {
  spec <- tests[k, ]
  a <- answer(spec)
  g <- dat[[paste0("g_", spec$group_var)]]
  kept <- strsplit(spec$groups, "|", fixed = TRUE)[[1]]
  cal$variables$grp_ <- ifelse(a$valid & g %in% kept, g, NA)
  cal$variables$y_ <- ifelse(a$valid & g %in% kept, a$y, NA)
  tout$r_p[k] <- svychisq(~grp_ + y_, cal, statistic = "F")$p.value
}
write.csv(tout, file.path(dir, "r_tests.csv"), row.names = FALSE)

# ---- what was compared -----------------------------------------------------------------------
m <- merge(cells, out, by = "id")
m$d_share <- abs(m$share - m$r_share)
m$d_ci <- pmax(abs(m$ci_low - m$r_ci_low), abs(m$ci_high - m$r_ci_high))
cat(sprintf("Zellen verglichen: %d (Korn-Graubard %d, Clopper-Pearson %d)\n", nrow(m),
            sum(m$r_interval == "Korn-Graubard"), sum(m$r_interval == "Clopper-Pearson")))
for (s in sort(unique(m$stratum))) {
  q <- m[m$stratum == s, ]
  cat(sprintf("  %-40s %3d Zellen  max |Anteil| %.1e  max |Grenze| %.1e Prozentpunkte\n", s, nrow(q),
              max(q$d_share), max(q$d_ci)))
}
t <- merge(tests, tout, by = "id")
cat(sprintf("Gruppenvergleiche (Rao-Scott F) verglichen: %d  max |p| %.1e\n", nrow(t), max(abs(t$p_value - t$r_p))))
