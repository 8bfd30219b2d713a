"""NumPy/SciPy version of the benchmark analysis, on the CSV written by analyze-million.bench.ts.

    python3 bench/analyze_million.py JUDGMENTS.csv [RESAMPLES]

Same work as analyzeExperiment: per arm (and per arm x induction when an arm has several)
counts, Wilson and Clopper-Pearson intervals, exact one-sided binomial test, judge- and
question-clustered bootstrap (np.random.default_rng), judge cluster-robust SE, calibration
(Brier, 10-bin ECE, reliability bins), belief by turn, mean reward; honest vs dishonest split
for consultancy arms; every pair of arms: chi-square test with and without Yates, Fisher,
Newcombe, clustered bootstrap of the difference, cluster-robust SE, GLMM contrast, Holm;
a judge random-intercept logistic GLMM (25-point adaptive Gauss-Hermite, Newton with Louis'
identity, vectorised over judges); Bradley-Terry honest/dishonest ratings (MM then Newton).
Prints timings, and a final line "RESULT {json}" for the TypeScript driver.
"""
import json
import resource
import sys
import time

import numpy as np
from scipy import stats
from scipy.special import expit, log1p

LEVEL = 0.95
Z = stats.norm.ppf(0.975)


def parse(path):
    try:
        import pandas as pd  # noqa: F401

        df = pd.read_csv(path, keep_default_na=False, dtype=str)
        cols = {c: df[c].to_numpy().astype(str) for c in df.columns}
        parser = "pandas"
    except ImportError:
        import csv

        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            data = list(zip(*reader))
        cols = {h: np.array(data[i]) for i, h in enumerate(header)}  # fixed-width unicode: C-speed np.unique
        parser = "csv module"
    out = {}
    for c in ("arm", "protocol", "questionId", "storyId", "judgeId", "induction", "honestArguerId", "dishonestArguerId"):
        out[c] = cols[c]
    out["arguerHonest"] = np.where(cols["arguerHonest"] == "true", 1, np.where(cols["arguerHonest"] == "false", 0, -1)).astype(np.int8)
    out["probCorrect"] = cols["probCorrect"].astype(float)
    out["correct"] = cols["correct"] == "true"
    out["rounds"] = cols["continues" if "continues" in cols else "rounds"].astype(np.int64)
    out["reward"] = cols["reward"].astype(float)
    b = cols["beliefs"].astype(str)
    lengths = np.char.count(b, ";") + 1
    flat = np.array(";".join(b.tolist()).split(";"), dtype=float)
    out["beliefLen"] = lengths
    out["beliefs"] = flat
    return out, parser


def wilson(x, n):
    return stats.binomtest(int(x), int(n)).proportion_ci(LEVEL, "wilson")


def bootstrap_rate(s, n, rng, B):
    G = len(s)
    idx = rng.integers(0, G, size=(B, G))
    stat = s[idx].sum(1) / n[idx].sum(1)
    lo, hi = np.percentile(stat, [2.5, 97.5])
    return float(lo), float(hi), float(stat.std(ddof=1))


def bootstrap_diff(s1, n1, s2, n2, rng, B):
    G = len(s1)
    idx = rng.integers(0, G, size=(B, G))
    a = n1[idx].sum(1)
    b = n2[idx].sum(1)
    ok = (a > 0) & (b > 0)
    stat = s1[idx].sum(1)[ok] / a[ok] - s2[idx].sum(1)[ok] / b[ok]
    lo, hi = np.percentile(stat, [2.5, 97.5])
    return float(lo), float(hi)


def robust_rate(s, n):
    p = s.sum() / n.sum()
    e = (s - p * n) / n.sum()
    G = len(s)
    se = np.sqrt(G / (G - 1) * np.sum(e**2))
    return p, se


def robust_diff(s1, n1, s2, n2):
    p1, p2 = s1.sum() / n1.sum(), s2.sum() / n2.sum()
    e = (s1 - p1 * n1) / n1.sum() - (s2 - p2 * n2) / n2.sum()
    G = len(e)
    se = np.sqrt(G / (G - 1) * np.sum(e**2))
    z = (p1 - p2) / se
    return se, 2 * stats.norm.sf(abs(z))


def per_cluster(codes, G, success, mask):
    n = np.bincount(codes[mask], minlength=G).astype(float)
    s = np.bincount(codes[mask], weights=success[mask].astype(float), minlength=G)
    return s, n


def calibration(p):
    b = np.minimum((p * 10).astype(int), 9)
    count = np.bincount(b, minlength=10) + np.bincount(9 - b, minlength=10)
    sum_pred = np.bincount(b, weights=p, minlength=10) + np.bincount(9 - b, weights=1 - p, minlength=10)
    sum_out = np.bincount(b, minlength=10).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mp = sum_pred / count
        of = sum_out / count
    ece = np.nansum(count / count.sum() * np.abs(mp - of))
    return {"brier": float(np.mean((1 - p) ** 2)), "ece": float(ece), "count": count.tolist()}


def newcombe(x1, n1, x2, n2):
    a, b = wilson(x1, n1), wilson(x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    return d - np.hypot(p1 - a.low, b.high - p2), d + np.hypot(a.high - p1, p2 - b.low)


def fit_glmm(S, N, Q=25, iters=100):
    """Random-intercept logistic model with one coefficient per arm; S, N are judges x arms."""
    G, A = S.shape
    z, w = np.polynomial.hermite.hermgauss(Q)
    logw = np.log(w) + z**2
    present = N > 0
    p = S.sum(0) / N.sum(0)
    beta = np.log(p / (1 - p))
    tau = np.log(0.5)
    mode = np.zeros(G)
    const = np.sum(stats.binom.logpmf(S, N, 0.5) - N * np.log(0.5))  # log choose(N, S)

    def evaluate(beta, tau, mode):
        prec = np.exp(-2 * tau)
        u = mode.copy()
        for _ in range(100):
            pr = expit(beta[None, :] + u[:, None])
            grad = (S - N * pr).sum(1) - u * prec
            curv = (N * pr * (1 - pr)).sum(1) + prec
            step = np.clip(grad / curv, -5, 5)
            u += step
            if np.max(np.abs(step)) < 1e-10:
                break
        pr = expit(beta[None, :] + u[:, None])
        curv = (N * pr * (1 - pr)).sum(1) + prec
        scale = np.sqrt(2 / curv)
        U = u[:, None] + scale[:, None] * z[None, :]  # G x Q
        E = beta[None, None, :] + U[:, :, None]  # G x Q x A
        h = (S[:, None, :] * E - N[:, None, :] * np.logaddexp(0, E)).sum(2) - 0.5 * U**2 * prec
        lw = logw[None, :] + h
        m = lw.max(1)
        wts = np.exp(lw - m[:, None])
        tot = wts.sum(1)
        loglik = const - G * (tau + 0.5 * np.log(2 * np.pi)) + np.sum(np.log(scale) + m + np.log(tot))
        post = wts / tot[:, None]  # G x Q
        P = expit(E)
        g = np.concatenate([S[:, None, :] - N[:, None, :] * P, (U**2 * prec - 1)[:, :, None]], axis=2)  # G x Q x (A+1)
        Eg = np.einsum("gq,gqa->ga", post, g)
        H = np.zeros((A + 1, A + 1))
        H[:A, :A] -= np.diag(np.einsum("gq,gqa->a", post, N[:, None, :] * P * (1 - P)))
        H[A, A] -= np.sum(post * 2 * U**2 * prec)
        H += np.einsum("gq,gqa,gqb->ab", post, g, g) - Eg.T @ Eg
        return loglik, Eg.sum(0), H, u

    ll, score, H, mode = evaluate(beta, tau, mode)
    for it in range(iters):
        step = np.linalg.solve(-H, score)
        step *= min(1.0, 3 / np.max(np.abs(step)))
        t = 1.0
        while True:
            nb, nt = beta + t * step[:A], tau + t * step[A]
            ll2, s2, H2, m2 = evaluate(nb, nt, mode)
            if ll2 >= ll - 1e-10 * abs(ll) or t < 1e-4:
                break
            t /= 2
        dec = step @ score
        beta, tau, ll, score, H, mode = nb, nt, ll2, s2, H2, m2
        if abs(dec) < 1e-9 and np.max(np.abs(score)) < 1e-5:
            break
    cov = np.linalg.inv(-H)[:A, :A]
    return beta, cov, np.exp(tau), it + 1


def bradley_terry(p1, p2, won, prior=2.0):
    players, inv = np.unique(np.concatenate([p1, p2]), return_inverse=True)
    a, b = inv[: len(p1)], inv[len(p1):]
    P = len(players)
    wins = np.bincount(np.where(won, a, b), minlength=P).astype(float)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key, n = np.unique(lo * P + hi, return_counts=True)
    i, j = key // P, key % P
    theta = np.zeros(P)
    for _ in range(20):
        gam = np.exp(theta)
        d = n / (gam[i] + gam[j])
        denom = prior / (gam + 1) + np.bincount(i, d, P) + np.bincount(j, d, P)
        theta = np.log((wins + prior / 2) / denom)
    for _ in range(100):
        gam = np.exp(theta)
        pij = gam[i] / (gam[i] + gam[j])
        grad = wins + prior / 2 - prior * gam / (gam + 1) - np.bincount(i, n * pij, P) - np.bincount(j, n * (1 - pij), P)
        wgt = n * pij * (1 - pij)
        info = np.diag(prior * gam / (gam + 1) ** 2 + np.bincount(i, wgt, P) + np.bincount(j, wgt, P))
        info[i, j] -= wgt
        info[j, i] -= wgt
        step = np.linalg.solve(info, grad)
        theta += np.clip(step, -2, 2)
        if np.max(np.abs(step)) < 1e-10:
            break
    cov = np.linalg.inv(info)
    C = np.eye(P) - 1 / P
    se = np.sqrt(np.diag(C @ cov @ C)) * 400 / np.log(10)
    return players, 1500 + (theta - theta.mean()) * 400 / np.log(10), se


def analyse(d, B, seed=7):
    rng = np.random.default_rng(seed)
    out = {"arms": {}, "comparisons": [], "honesty": {}, "induction": {}}
    arm_names, arm = np.unique(d["arm"], return_inverse=True)
    judge_names, judge = np.unique(d["judgeId"], return_inverse=True)
    q_names, question = np.unique(d["questionId"], return_inverse=True)
    story_names, story = np.unique(d["storyId"], return_inverse=True)
    GJ, GQ = len(judge_names), len(q_names)
    correct = d["correct"]
    turn = np.arange(len(d["beliefs"])) - np.repeat(np.cumsum(d["beliefLen"]) - d["beliefLen"], d["beliefLen"])
    belief_arm = np.repeat(arm, d["beliefLen"])
    protocols = {a: d["protocol"][np.argmax(arm == k)] for k, a in enumerate(arm_names)}
    dense = {}

    def summary(mask, label):
        n = int(mask.sum())
        x = int(correct[mask].sum())
        bt = stats.binomtest(x, n, 0.5, alternative="greater")
        res = {"n": n, "wins": x, "rate": x / n, "wilson": list(bt.proportion_ci(LEVEL, "wilson")),
               "exact": list(stats.binomtest(x, n).proportion_ci(LEVEL, "exact")), "p": bt.pvalue}
        for name, codes, G in (("judge", judge, GJ), ("question", question, GQ)):
            s, nn = per_cluster(codes, G, correct, mask)
            keep = nn > 0
            res[f"boot_{name}"] = bootstrap_rate(s[keep], nn[keep], rng, B)
            if name == "judge":
                p, se = robust_rate(s[keep], nn[keep])
                res["robust_p"] = float(stats.norm.sf((p - 0.5) / se))
        res["calibration"] = calibration(d["probCorrect"][mask])
        res["reward"] = float(d["reward"][mask].mean())
        res["rounds"] = float(d["rounds"][mask].mean())
        res["judges"] = int(len(np.unique(judge[mask])))
        res["stories"] = int(len(np.unique(story[mask])))
        return res

    for k, name in enumerate(arm_names):
        mask = arm == k
        out["arms"][name] = summary(mask, name)
        bm = belief_arm == k
        cnt = np.bincount(turn[bm])
        out["arms"][name]["belief"] = (np.bincount(turn[bm], d["beliefs"][bm]) / cnt).tolist()
        for kind, codes, G in (("judge", judge, GJ), ("question", question, GQ)):
            dense[(kind, k)] = per_cluster(codes, G, correct, mask)
        inductions = np.unique(d["induction"][mask])
        if len(inductions) > 1:
            for ind in inductions:
                out["induction"][f"{name} [{ind}]"] = summary(mask & (d["induction"] == ind), name)
        if protocols[name] in ("consultancy", "sandwiching"):
            h = mask & (d["arguerHonest"] == 1)
            dh = mask & (d["arguerHonest"] == 0)
            accepted = np.where(d["arguerHonest"] == 1, correct, ~correct)
            xh, nh, xd, nd = int(accepted[h].sum()), int(h.sum()), int(accepted[dh].sum()), int(dh.sum())
            chi2, p, _, _ = stats.chi2_contingency([[xh, nh - xh], [xd, nd - xd]], correction=False)
            s1, n1 = per_cluster(judge, GJ, accepted, h)
            s2, n2 = per_cluster(judge, GJ, accepted, dh)
            keep = (n1 > 0) | (n2 > 0)
            out["honesty"][name] = {"gap": xh / nh - xd / nd, "p": p, "newcombe": newcombe(xh, nh, xd, nd),
                                    "boot": bootstrap_diff(s1[keep], n1[keep], s2[keep], n2[keep], rng, B),
                                    "robust_p": robust_diff(s1[keep], n1[keep], s2[keep], n2[keep])[1]}

    # GLMM on judge x arm counts
    A = len(arm_names)
    S = np.zeros((GJ, A))
    N = np.zeros((GJ, A))
    np.add.at(S, (judge, arm), correct)
    np.add.at(N, (judge, arm), 1)
    beta, cov, sd, its = fit_glmm(S, N)
    out["glmm"] = {"beta": beta.tolist(), "se": np.sqrt(np.diag(cov)).tolist(), "sd": sd, "iterations": its}

    pvals, glmm_p, robust_ps = [], [], []
    for a in range(A):
        for b in range(a + 1, A):
            ra, rb = out["arms"][arm_names[a]], out["arms"][arm_names[b]]
            table = [[ra["wins"], ra["n"] - ra["wins"]], [rb["wins"], rb["n"] - rb["wins"]]]
            chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
            chi2c, pc, _, _ = stats.chi2_contingency(table, correction=True)
            fisher = stats.fisher_exact(table)
            comp = {"arms": [arm_names[a], arm_names[b]], "chi2": chi2, "p": p, "p_yates": pc, "fisher_p": fisher.pvalue,
                    "newcombe": newcombe(ra["wins"], ra["n"], rb["wins"], rb["n"])}
            for kind in ("judge", "question"):
                s1, n1 = dense[(kind, a)]
                s2, n2 = dense[(kind, b)]
                keep = (n1 > 0) | (n2 > 0)
                comp[f"boot_{kind}"] = bootstrap_diff(s1[keep], n1[keep], s2[keep], n2[keep], rng, B)
                if kind == "judge":
                    comp["robust_p"] = robust_diff(s1[keep], n1[keep], s2[keep], n2[keep])[1]
            c = np.zeros(A)
            c[a], c[b] = 1, -1
            zc = (c @ beta) / np.sqrt(c @ cov @ c)
            comp["glmm_p"] = 2 * stats.norm.sf(abs(zc))
            pvals.append(p)
            glmm_p.append(comp["glmm_p"])
            robust_ps.append(comp["robust_p"])
            out["comparisons"].append(comp)

    def holm(p):
        p = np.asarray(p)
        o = np.argsort(p)
        adj = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[o]))
        res = np.empty_like(adj)
        res[o] = adj
        return res

    for key, vals in (("holm", pvals), ("holm_glmm", glmm_p), ("holm_robust", robust_ps)):
        for comp, v in zip(out["comparisons"], holm(vals)):
            comp[key] = float(v)

    # Bradley-Terry: debate honest vs dishonest; single arguers vs a per-protocol baseline
    prot = d["protocol"]
    deb = (prot == "debate") | (prot == "interactive-debate")
    single = ((prot == "consultancy") | (prot == "sandwiching")) & (d["arguerHonest"] >= 0)
    hon = d["arguerHonest"][single] == 1
    arguer = np.where(hon, d["honestArguerId"][single], d["dishonestArguerId"][single])
    p1 = np.concatenate([np.char.add(d["honestArguerId"][deb].astype(str), " (honest)"),
                         np.char.add(arguer.astype(str), np.where(hon, " (honest)", " (dishonest)"))])
    p2 = np.concatenate([np.char.add(d["dishonestArguerId"][deb].astype(str), " (dishonest)"),
                         np.char.add(prot[single].astype(str), " (baseline)")])
    won = np.concatenate([correct[deb], np.where(hon, correct[single], ~correct[single])])
    players, elo, se = bradley_terry(p1, p2, won)
    out["ratings"] = dict(zip(players[:5].tolist(), elo[:5].tolist()))
    return out


def main():
    path = sys.argv[1]
    B = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    # CPU seconds (every thread of the process) beside wall-clock time, as the TypeScript side
    t, c = time.perf_counter(), time.process_time()
    d, parser = parse(path)
    parse_s, parse_cpu = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    out = analyse(d, B)
    analysis_s, analysis_cpu = time.perf_counter() - t, time.process_time() - c
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, SciPy {stats.__name__ and __import__('scipy').__version__}:")
    print(f"  parse CSV      {parse_s:.2f} s   (CPU {parse_cpu:.2f} s; {len(d['correct']):,} rows, {parser})")
    print(f"  analysis       {analysis_s:.2f} s   (CPU {analysis_cpu:.2f} s; GLMM {out['glmm']['iterations']} Newton steps, judge SD {out['glmm']['sd']:.3f})")
    print(f"  memory         peak RSS {maxrss_mb:.0f} MB")
    print("  check (Py)     " + " ".join(f"{k}:{v['wins']}/{v['n']}" for k, v in out["arms"].items()))
    print("RESULT " + json.dumps({"parse": parse_s, "analysis": analysis_s, "parse_cpu": parse_cpu, "analysis_cpu": analysis_cpu, "maxrss_mb": maxrss_mb, "parser": parser}))


if __name__ == "__main__":
    main()
