SELECT
    count(*) AS qa_reviews,
    sum(CASE WHEN qa_reviews.passed THEN 1 ELSE 0 END) AS qa_passed
FROM qa_reviews
    LEFT OUTER JOIN (
        SELECT
            calls.call_id AS call_id,
            calls.started_at AS started_at,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province
        FROM calls
        WHERE
            calls.call_id IN (
                SELECT
                    qa_reviews.call_id
                FROM qa_reviews
                WHERE
                    qa_reviews.call_id IS NOT NULL
                    AND qa_reviews.reviewed_at >= '2025-09-01 00:00:00.000000'
                    AND qa_reviews.reviewed_at < '2025-10-01 00:00:00.000000'
            )
    ) AS k ON k.call_id = qa_reviews.call_id
    LEFT OUTER JOIN agents AS a ON a.agent_id = k.agent_id
WHERE
    qa_reviews.reviewed_at >= '2025-09-01 00:00:00.000000'
    AND qa_reviews.reviewed_at < '2025-10-01 00:00:00.000000'
    AND (a.site_id IN ('S1') AND a.team IN ('T1') OR k.agent_id IS NULL AND k.campaign_id IN (
        SELECT DISTINCT
            kf.campaign_id
        FROM calls AS kf
            JOIN agents AS af ON af.agent_id = kf.agent_id
        WHERE
            kf.started_at >= '2025-09-01 00:00:00.000000'
            AND kf.started_at < '2025-10-01 00:00:00.000000'
            AND af.site_id IN ('S1')
            AND af.team IN ('T1')
    ))
    AND k.campaign_id IN ('C1', 'C2')
