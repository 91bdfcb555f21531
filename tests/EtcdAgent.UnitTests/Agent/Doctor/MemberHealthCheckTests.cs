using EtcdAgent.Doctor;
using Etcdserverpb;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Doctor;

public sealed class MemberHealthCheckTests
{
    private static readonly Uri Endpoint = new("https://127.0.0.1:2379");

    private static StatusResponse Status(ulong leader = 1, bool learner = false, params string[] errors)
    {
        var status = new StatusResponse { Header = new ResponseHeader { MemberId = 1 }, Leader = leader, RaftTerm = 7, IsLearner = learner, DbSize = 20480 };
        status.Errors.AddRange(errors);
        return status;
    }

    [Fact]
    public void EvaluatePassesForALeaderAndAFollower()
    {
        var leader = MemberHealthCheck.Evaluate(Endpoint, Status(), []);
        var follower = MemberHealthCheck.Evaluate(Endpoint, Status(leader: 2), []);

        Assert.Equal(CheckStatus.Pass, leader.Status);
        Assert.Contains("is a leader, raft term 7", leader.Detail, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Pass, follower.Status);
        Assert.Contains("is a follower", follower.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateFailsWithoutALeader()
    {
        var result = MemberHealthCheck.Evaluate(Endpoint, Status(leader: 0), []);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("lost quorum", result.Detail, StringComparison.Ordinal);
        Assert.Contains("start the stopped members", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateFailsOnANospaceAlarmWithTheCompactDefragDisarmFix()
    {
        var result = MemberHealthCheck.Evaluate(Endpoint, Status(), [new AlarmMember { MemberID = 1, Alarm = AlarmType.Nospace }]);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("NOSPACE alarm", result.Detail, StringComparison.Ordinal);
        Assert.Contains("etcdctl defrag", result.Fix, StringComparison.Ordinal);
        Assert.Contains("etcdctl alarm disarm", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateFailsOnACorruptAlarmBeforeAnythingElse()
    {
        var result = MemberHealthCheck.Evaluate(Endpoint, Status(leader: 0),
            [new AlarmMember { MemberID = 1, Alarm = AlarmType.Nospace }, new AlarmMember { MemberID = 2, Alarm = AlarmType.Corrupt }]);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("CORRUPT alarm on member 2", result.Detail, StringComparison.Ordinal);
        Assert.Contains("member remove/add", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateFailsOnErrorsTheMemberReports()
    {
        var result = MemberHealthCheck.Evaluate(Endpoint, Status(1, false, "raft: stuck"), []);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("raft: stuck", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateWarnsForALearner()
    {
        var result = MemberHealthCheck.Evaluate(Endpoint, Status(leader: 2, learner: true), []);

        Assert.Equal(CheckStatus.Warn, result.Status);
        Assert.Contains("etcdctl member promote", result.Fix, StringComparison.Ordinal);
    }
}
