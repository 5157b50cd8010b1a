"""The distribution table the distribution tests run over: each case builds the same
distribution from a library module (torch or chainrule) with fixed float64 parameters."""
import math


def _t(m, v, **kw):
    return m.tensor(v, dtype=m.float64, **kw)


def _p(m, v, grad, dtype="float64"):
    return m.tensor(v, dtype=getattr(m, dtype), requires_grad=grad)


# name -> builder(m, grad) returning (distribution, [parameters that may require grad])
def normal(m, g):
    loc, scale = _p(m, [0.0, 1.5, -2.0], g), _p(m, [1.0, 0.5, 2.0], g)
    return m.distributions.Normal(loc, scale), [loc, scale]


def uniform(m, g):
    low, high = _p(m, [0.0, -1.0], g), _p(m, [1.0, 3.0], g)
    return m.distributions.Uniform(low, high), [low, high]


def bernoulli_probs(m, g):
    p = _p(m, [0.2, 0.7, 0.5], g)
    return m.distributions.Bernoulli(probs=p), [p]


def bernoulli_logits(m, g):
    lg = _p(m, [-1.0, 0.3, 2.0], g)
    return m.distributions.Bernoulli(logits=lg), [lg]


def categorical(m, g):
    p = _p(m, [[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], g)
    return m.distributions.Categorical(probs=p), [p]


def categorical_logits(m, g):
    lg = _p(m, [[0.1, -1.2, 0.7, 2.0]], g)
    return m.distributions.Categorical(logits=lg), [lg]


def one_hot(m, g):
    p = _p(m, [[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], g)
    return m.distributions.OneHotCategorical(probs=p), [p]


def one_hot_st(m, g):
    lg = _p(m, [0.1, -1.2, 0.7], g)
    return m.distributions.OneHotCategoricalStraightThrough(logits=lg), [lg]


def binomial(m, g):
    p = _p(m, [0.2, 0.6], g)
    return m.distributions.Binomial(_t(m, [5.0, 8.0]), probs=p), [p]


def binomial_logits(m, g):
    lg = _p(m, [-0.5, 1.0], g)
    return m.distributions.Binomial(6, logits=lg), [lg]


def multinomial(m, g):
    p = _p(m, [0.2, 0.3, 0.5], g)
    return m.distributions.Multinomial(6, probs=p), [p]


def poisson(m, g):
    r = _p(m, [0.5, 3.0, 10.0], g)
    return m.distributions.Poisson(r), [r]


def exponential(m, g):
    r = _p(m, [0.5, 2.0], g)
    return m.distributions.Exponential(r), [r]


def gamma(m, g):
    c, r = _p(m, [0.5, 2.0, 5.0], g), _p(m, [1.0, 0.5, 3.0], g)
    return m.distributions.Gamma(c, r), [c, r]


def chi2(m, g):
    df = _p(m, [1.0, 3.0, 7.5], g)
    return m.distributions.Chi2(df), [df]


def beta(m, g):
    a, b = _p(m, [0.5, 2.0, 3.0], g), _p(m, [1.5, 2.0, 0.7], g)
    return m.distributions.Beta(a, b), [a, b]


def dirichlet(m, g):
    c = _p(m, [[0.5, 2.0, 3.0], [1.0, 1.0, 4.0]], g)
    return m.distributions.Dirichlet(c), [c]


def laplace(m, g):
    loc, scale = _p(m, [0.0, 1.0], g), _p(m, [1.0, 0.3], g)
    return m.distributions.Laplace(loc, scale), [loc, scale]


def log_normal(m, g):
    loc, scale = _p(m, [0.0, 0.5], g), _p(m, [1.0, 0.3], g)
    return m.distributions.LogNormal(loc, scale), [loc, scale]


def cauchy(m, g):
    loc, scale = _p(m, [0.0, 1.0], g), _p(m, [1.0, 0.3], g)
    return m.distributions.Cauchy(loc, scale), [loc, scale]


def half_normal(m, g):
    s = _p(m, [1.0, 0.3], g)
    return m.distributions.HalfNormal(s), [s]


def half_cauchy(m, g):
    s = _p(m, [1.0, 2.5], g)
    return m.distributions.HalfCauchy(s), [s]


def student_t(m, g):
    df, loc, scale = _p(m, [3.0, 1.5, 10.0], g), _p(m, [0.0, 1.0, -1.0], g), \
        _p(m, [1.0, 2.0, 0.5], g)
    return m.distributions.StudentT(df, loc, scale), [df, loc, scale]


def geometric(m, g):
    p = _p(m, [0.2, 0.7], g)
    return m.distributions.Geometric(p), [p]


def negative_binomial(m, g):
    p = _p(m, [0.3, 0.6], g)
    return m.distributions.NegativeBinomial(_t(m, [3.0, 5.0]), probs=p), [p]


def gumbel(m, g):
    loc, scale = _p(m, [0.0, 1.0], g), _p(m, [1.0, 2.0], g)
    return m.distributions.Gumbel(loc, scale), [loc, scale]


def weibull(m, g):
    scale, conc = _p(m, [1.0, 2.0], g), _p(m, [1.5, 0.8], g)
    return m.distributions.Weibull(scale, conc), [scale, conc]


def pareto(m, g):
    scale, alpha = _p(m, [1.0, 2.0], g), _p(m, [3.0, 4.5], g)
    return m.distributions.Pareto(scale, alpha), [scale, alpha]


def von_mises(m, g):
    loc, conc = _p(m, [0.0, 1.0], g), _p(m, [0.5, 4.0], g)
    return m.distributions.VonMises(loc, conc), [loc, conc]


def continuous_bernoulli(m, g):
    p = _p(m, [0.2, 0.5, 0.8], g)
    return m.distributions.ContinuousBernoulli(probs=p), [p]


def relaxed_bernoulli(m, g):
    p = _p(m, [0.2, 0.6], g)
    return m.distributions.RelaxedBernoulli(_t(m, 0.5), probs=p), [p]


def relaxed_one_hot(m, g):
    p = _p(m, [0.2, 0.3, 0.5], g)
    return m.distributions.RelaxedOneHotCategorical(_t(m, 0.7), probs=p), [p]


def logistic_normal(m, g):
    loc, scale = _p(m, [0.0, 1.0, -0.5], g), _p(m, [1.0, 0.5, 2.0], g)
    return m.distributions.LogisticNormal(loc, scale), [loc, scale]


_COV = [[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]]


def mvn_cov(m, g):
    loc, cov = _p(m, [0.0, 1.0, -1.0], g), _p(m, _COV, g)
    return m.distributions.MultivariateNormal(loc, covariance_matrix=cov), [loc, cov]


def mvn_prec(m, g):
    loc, prec = _p(m, [[0.0, 1.0, -1.0], [1.0, 2.0, 0.5]], g), _p(m, _COV, g)
    return m.distributions.MultivariateNormal(loc, precision_matrix=prec), [loc, prec]


def mvn_tril(m, g):
    loc = _p(m, [0.5, -1.0], g)
    tril = _p(m, [[1.5, 0.0], [0.4, 0.8]], g)
    return m.distributions.MultivariateNormal(loc, scale_tril=tril), [loc, tril]


def lowrank_mvn(m, g):
    loc = _p(m, [0.0, 1.0, 2.0], g)
    cf = _p(m, [[1.0, 0.2], [0.3, -0.5], [0.0, 0.4]], g)
    cd = _p(m, [1.0, 0.5, 2.0], g)
    return m.distributions.LowRankMultivariateNormal(loc, cf, cd), [loc, cf, cd]


def mixture(m, g):
    w = _p(m, [0.3, 0.7], g)
    loc, scale = _p(m, [-1.0, 2.0], g), _p(m, [1.0, 0.5], g)
    D = m.distributions
    return D.MixtureSameFamily(D.Categorical(probs=w), D.Normal(loc, scale)), [w, loc, scale]


def independent(m, g):
    loc, scale = _p(m, [[0.0, 1.0], [2.0, 3.0]], g), _p(m, [[1.0, 2.0], [0.5, 1.0]], g)
    D = m.distributions
    return D.Independent(D.Normal(loc, scale), 1), [loc, scale]


def transformed(m, g):
    loc, scale = _p(m, [0.0, 1.0], g), _p(m, [1.0, 0.5], g)
    D = m.distributions
    T = D.transforms
    base = D.Normal(loc, scale)
    return D.TransformedDistribution(base, [T.AffineTransform(1.0, 2.0), T.ExpTransform()]), \
        [loc, scale]


def kumaraswamy(m, g):
    a, b = _p(m, [0.8, 2.0], g), _p(m, [1.5, 3.0], g)
    return m.distributions.Kumaraswamy(a, b), [a, b]


def inverse_gamma(m, g):
    c, r = _p(m, [3.0, 4.0], g), _p(m, [1.0, 2.0], g)
    return m.distributions.InverseGamma(c, r), [c, r]


def fisher_snedecor(m, g):
    d1, d2 = _p(m, [3.0, 6.0], g), _p(m, [5.0, 10.0], g)
    return m.distributions.FisherSnedecor(d1, d2), [d1, d2]


def generalized_pareto(m, g):
    # float32: torch's log_prob compares the concentration with a float32 zero (isclose
    # refuses mixed dtypes)
    loc, scale, c = (_p(m, v, g, "float32") for v in ([0.0, 1.0], [1.0, 2.0], [0.2, -0.1]))
    return m.distributions.GeneralizedPareto(loc, scale, c), [loc, scale, c]


def lkj(m, g):
    return m.distributions.LKJCholesky(3, _t(m, 2.0)), []


def wishart(m, g):
    df = _p(m, 5.0, g)
    cov = _p(m, _COV, g)
    return m.distributions.Wishart(df, covariance_matrix=cov), [df, cov]


CASES = {f.__name__: f for f in (
    normal, uniform, bernoulli_probs, bernoulli_logits, categorical, categorical_logits,
    one_hot, one_hot_st, binomial, binomial_logits, multinomial, poisson, exponential, gamma,
    chi2, beta, dirichlet, laplace, log_normal, cauchy, half_normal, half_cauchy, student_t,
    geometric, negative_binomial, gumbel, weibull, pareto, von_mises, continuous_bernoulli,
    relaxed_bernoulli, relaxed_one_hot, logistic_normal, mvn_cov, mvn_prec, mvn_tril,
    lowrank_mvn, mixture, independent, transformed, kumaraswamy, inverse_gamma,
    fisher_snedecor, generalized_pareto, lkj, wishart)}

# Sample moments checked on 20k draws: mean and variance within this many standard errors.
HEAVY_TAILED = {"cauchy", "half_cauchy", "fisher_snedecor", "pareto", "generalized_pareto",
                "student_t", "inverse_gamma", "wishart", "lkj", "logistic_normal",
                "relaxed_bernoulli", "relaxed_one_hot", "transformed", "kumaraswamy",
                "von_mises"}  # von_mises: circular moments, tested on their own
PI = math.pi
