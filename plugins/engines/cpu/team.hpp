#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace pot {
struct Node;
}

namespace pot::cpu {

class PlanBuilder;

/// Where Plan::run() draws the line between the plan's team and oneDNN's own threads.
struct TeamRules {
    /// A run of split and small steps goes to the team when its split work is estimated at least
    /// this (nanoseconds of single-thread work).
    double team_above_ns = 0.0;
    /// A split step estimated at least this runs whole, as oneDNN parallelizes it, and a solo
    /// step of a node estimated at least this on the calling thread, either ending the run of team
    /// steps before it (the other threads would wait too long).
    double whole_above_ns = std::numeric_limits<double>::infinity();
    /// Runs below team_above_ns run their steps whole (true) or their bands one after the other
    /// on the calling thread (false: when waking oneDNN's threads costs more).
    bool small_runs_whole = false;
};

/// Estimated single-thread time of a node's steps, in nanoseconds, from its input shapes:
/// multiply-adds for convolutions, matrix products and recurrent cells, elements moved for the
/// rest. Only its order of magnitude matters (see serial_below_ns).
double estimated_serial_ns(const PlanBuilder& b, const Node& node);

/// How many parts of a node's work run one after the other, each waiting for the one before: a
/// recurrent cell's time steps, 1 for other nodes. A node's grain, the work that can be shared
/// at once, is its estimated_serial_ns() over this.
double sequential_parts(const PlanBuilder& b, const Node& node);

/// Nodes whose grain (see sequential_parts) is below this run on the calling thread alone:
/// splitting work of time T over a team saves about T/2 on two cores and costs a fork and join,
/// a few microseconds when the team spins between parallel regions and tens when it sleeps
/// (OMP_WAIT_POLICY=passive, GOMP_SPINCOUNT=0), so the bound follows the wait policy.
double serial_below_ns();

/// True when OpenMP's threads sleep as soon as a parallel region ends (OMP_WAIT_POLICY=passive,
/// GOMP_SPINCOUNT=0), as read from the environment at start-up.
bool waits_sleep();

/// Nodes estimated above this are split over the plan's own team when it has one (see
/// Plan::team): there a split costs a spinning wait, like a fork and join of a spinning team.
double split_above_ns();

/// How a plan with PlanOptions::Team::Auto shares runs of steps between its team and oneDNN's
/// threads under the process's wait policy (Plan::schedule()).
TeamRules auto_team_rules();

/// A plan whose nodes are estimated below this in all runs on one thread (PlanOptions::Team::Auto).
double single_thread_below_ns();

/// Sets the calling thread's OpenMP team size (oneDNN's thread count for the primitives created
/// and run on it) for the scope's lifetime; 0 leaves it unchanged.
class TeamScope {
public:
    explicit TeamScope(int threads);
    ~TeamScope();
    TeamScope(const TeamScope&) = delete;
    TeamScope& operator=(const TeamScope&) = delete;

private:
    int previous_ = 0;
};

/// The calling thread's current OpenMP team size.
int current_team();

/// Where the plan's team meets between steps (Plan::run_on_team). Steps between two waits take
/// microseconds, far less than a sleeping thread takes to wake, so a waiter spins first; after
/// spin_for it sleeps on a futex (std::atomic::wait): on a loaded machine the thread it waits for
/// may have lost its core, and a spinning or yielding waiter keeps it from getting one back.
/// With the test suite running beside it on both cores, GoogLeNet (passive waits, 2 threads)
/// took 117-121 ms on a team that spun for 32K pauses and then yielded, 33-44 ms spinning 50 us
/// then sleeping, 24-25 ms spinning 10 us, and 26-28 ms without the team.
class TeamBarrier {
public:
    explicit TeamBarrier(std::chrono::microseconds spin_for = std::chrono::microseconds{20}) : spin_for_(spin_for) {}
    /// Every thread of the team sets the same count before its first wait.
    void set_threads(int threads) { threads_.store(threads, std::memory_order_relaxed); }
    /// Returns once every thread of the team has called it (as many times).
    void wait();

private:
    std::chrono::microseconds spin_for_;
    std::atomic<int> threads_{1};
    std::atomic<int> arrived_{0};
    std::atomic<unsigned> generation_{0};
    std::atomic<int> sleepers_{0};
};

}  // namespace pot::cpu
