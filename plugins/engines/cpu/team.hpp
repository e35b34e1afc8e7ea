#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace pot {
struct Node;
}

namespace pot::cpu {

class PlanBuilder;

/// Estimated single-thread time of a node's steps, in nanoseconds, from its input shapes:
/// multiply-adds for convolutions, matrix products and recurrent cells, elements moved for the
/// rest. Only its order of magnitude matters (see serial_below_ns).
double estimated_serial_ns(const PlanBuilder& b, const Node& node);

/// Estimated single-thread time of the largest share of a node's work that can run in parallel
/// at once, in nanoseconds: a recurrent cell's one time step (each step waits for the one
/// before), the whole node otherwise.
double estimated_grain_ns(const PlanBuilder& b, const Node& node);

/// Nodes whose grain (estimated_grain_ns) is below this run on the calling thread alone: splitting a node of time T over
/// a team saves about T/2 on two cores and costs a fork and join, a few microseconds when the
/// team spins between parallel regions and tens when it sleeps (OMP_WAIT_POLICY=passive,
/// GOMP_SPINCOUNT=0), so the bound follows the wait policy the process runs with.
double serial_below_ns();

/// True when OpenMP's threads sleep as soon as a parallel region ends (OMP_WAIT_POLICY=passive,
/// GOMP_SPINCOUNT=0), as read from the environment at start-up.
bool waits_sleep();

/// Nodes estimated above this are split over the plan's own team when it has one (see
/// Plan::team): there a split costs a spinning wait, like a fork and join of a spinning team.
double split_above_ns();

/// A run of split steps whose work is estimated below this runs its bands one after the other
/// on the calling thread rather than waking the team (PlanOptions::Team::Auto, sleeping waits).
double team_above_ns();

/// Where a plan's team pays when OpenMP's threads spin between regions (PlanOptions::Team::Auto):
/// runs of split and small steps of at least `team_above_ns` of split work go to the team, split
/// steps of at least `whole_above_ns` run as oneDNN parallelizes them.
struct SpinningTeam {
    double team_above_ns, whole_above_ns;
};
SpinningTeam spinning_team();

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
