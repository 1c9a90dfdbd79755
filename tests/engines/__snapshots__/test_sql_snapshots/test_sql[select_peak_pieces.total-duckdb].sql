SELECT
    run.mid,
    max(run.n) AS peak
FROM (
    SELECT
        st.mid AS mid,
        sum(st.step) OVER (PARTITION BY st.mid ORDER BY st.ts, st.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
    FROM (
        SELECT
            pa.mid AS mid,
            pa.ts AS ts,
            pa.delta AS delta,
            CASE WHEN (pa.delta = 1 AND pa.mine = 1) THEN 1 WHEN (pa.delta = -1 AND pa.mine = 0) THEN -1 ELSE 0 END AS step
        FROM (
            SELECT
                ev.mid AS mid,
                ev.ts AS ts,
                ev.delta AS delta,
                sum(ev.delta) OVER (PARTITION BY ev.mid, ev.who ORDER BY ev.ts, ev.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS mine
            FROM (
                SELECT
                    p.who AS who,
                    p.mid AS mid,
                    p.a AS ts,
                    1 AS delta
                FROM (
                    SELECT
                        s0.who AS who,
                        s0.ep_in - s0.ep_in % 86400 AS mid,
                        s0.ep_in AS a,
                        CASE WHEN (s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400) THEN (s0.ep_in - s0.ep_in % 86400) + 86400 ELSE s0.ep_out END AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(epoch(agent_sessions.login_at) AS BIGINT) AS ep_in,
                            CAST(epoch(agent_sessions.logout_at) AS BIGINT) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2025-08-31 00:00:00'
                            AND agent_sessions.login_at < '2025-10-01 00:00:00'
                    ) AS s0
                    UNION ALL
                    SELECT
                        s0.who AS who,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS mid,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS a,
                        s0.ep_out AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(epoch(agent_sessions.login_at) AS BIGINT) AS ep_in,
                            CAST(epoch(agent_sessions.logout_at) AS BIGINT) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2025-08-31 00:00:00'
                            AND agent_sessions.login_at < '2025-10-01 00:00:00'
                    ) AS s0
                    WHERE
                        s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400
                ) AS p
                WHERE
                    p.b > p.a
                UNION ALL
                SELECT
                    p.who AS who,
                    p.mid AS mid,
                    p.b AS ts,
                    -1 AS delta
                FROM (
                    SELECT
                        s0.who AS who,
                        s0.ep_in - s0.ep_in % 86400 AS mid,
                        s0.ep_in AS a,
                        CASE WHEN (s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400) THEN (s0.ep_in - s0.ep_in % 86400) + 86400 ELSE s0.ep_out END AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(epoch(agent_sessions.login_at) AS BIGINT) AS ep_in,
                            CAST(epoch(agent_sessions.logout_at) AS BIGINT) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2025-08-31 00:00:00'
                            AND agent_sessions.login_at < '2025-10-01 00:00:00'
                    ) AS s0
                    UNION ALL
                    SELECT
                        s0.who AS who,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS mid,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS a,
                        s0.ep_out AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(epoch(agent_sessions.login_at) AS BIGINT) AS ep_in,
                            CAST(epoch(agent_sessions.logout_at) AS BIGINT) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2025-08-31 00:00:00'
                            AND agent_sessions.login_at < '2025-10-01 00:00:00'
                    ) AS s0
                    WHERE
                        s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400
                ) AS p
                WHERE
                    p.b > p.a
            ) AS ev
        ) AS pa
    ) AS st
) AS run
GROUP BY
    run.mid
