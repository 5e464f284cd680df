package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.path.json.JsonPath;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What an approver and an operator see, in headless Chromium (Debian's chromium and chromedriver): bob signs in to
 * Tasklist, opens alice's release from the filter "Approvals", reads its commits and plan and approves it, and the run
 * page then shows the run {@code DEPLOYED} with the path drawn on its diagram; leaving the approve box unticked
 * rejects a release; the run page of a rolled-back run marks the failed step and the compensation steps. Screenshots
 * (also of a failing test's last view) go to {@code target/browser/}.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TasklistAndRunPageEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("browser-shop-backend");

    static final Duration WAIT = Duration.ofSeconds(90);
    static WebDriver browser;
    static String deployedRunId;

    @LocalServerPort
    int port;

    @RegisterExtension
    static final TestWatcher lastView = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (browser != null) {
                snapshot("failed-" + context.getRequiredTestMethod().getName());
            }
        }
    };

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, true);
        // Camunda's webapps send everyone to the "create the first admin" page until a camunda-admin user exists
        registry.add("runbook.identity.users[3].id", () -> "admin");
        registry.add("runbook.identity.users[3].password", () -> "admin-pw");
        registry.add("runbook.identity.users[3].groups[0]", () -> "camunda-admin");
        // a failed host waits for an operator, who decides on the run page (test 3)
        registry.add("runbook.targets.shop.rollout.on-failure", () -> "ask");
    }

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = newBrowser();
    }

    /** A headless Chromium with a profile of its own: a user's HTTP Basic credentials stay in their browser. */
    static WebDriver newBrowser() throws Exception {
        Path profile = Files.createTempDirectory(shop.root, "chromium-profile-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1400,1100",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
        return driver;
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    /** Waits up to {@link #WAIT}, trying again while Angular re-renders or covers what the test looks for. */
    private WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(250));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.ElementClickInterceptedException.class)
                .ignoring(org.openqa.selenium.ElementNotInteractableException.class);
        return wait;
    }

    /** Scrolls the element to the middle of the window and clicks it once it is clickable. */
    private void click(By by) {
        waiting().until(driver -> {
            WebElement element = ExpectedConditions.elementToBeClickable(by).apply(driver);
            if (element == null) {
                return false;
            }
            ((org.openqa.selenium.JavascriptExecutor) driver)
                    .executeScript("arguments[0].scrollIntoView({block: 'center'})", element);
            element.click();
            return true;
        });
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    @Test
    @Order(1)
    void shouldApproveInTasklistAfterReadingTheCommitsAndPlanAndSeeTheRunDeployed() {
        String tip = shop.publish("browser-change", Map.of("backend/notes.txt", "from the browser test"));
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "browser-change"));
        String taskId = awaitApproval(runId);

        signInToTasklist("bob", "bob-pw");
        openApproval(taskId, "browser-change");
        waiting().until(driver -> !field("commitsText").isEmpty());
        snapshot("tasklist-approval");
        assertThat(field("commitsText")).contains(tip.substring(0, 7) + " Variant browser-change");
        assertThat(field("planText"))
                .contains(tip.substring(0, 12), "npm ci", "npm run build", "startOrReload", "GET " + shop.healthUrl());
        assertThat(field("toSubject")).isEqualTo("Variant browser-change");
        assertThat(field("requestedBy")).isEqualTo("alice");

        claim();
        setApproved(true);
        comment("ok from Tasklist");
        snapshot("tasklist-decided");
        complete();

        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("DEPLOYED");
        deployedRunId = runId;
        openRunPage(runId);
        assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("DEPLOYED");
        assertThat(browser.findElement(By.id("fact-requested-by")).getText()).isEqualTo("alice");
        assertThat(browser.findElement(By.id("approval-summary")).getText()).contains("APPROVED", "bob");
        assertThat(browser.findElement(By.id("approval-comment")).getText()).isEqualTo("ok from Tasklist");
        assertThat(markers("Task_ApproveRelease")).contains("rb-visited");
        assertThat(markers("Task_HealthCheck")).contains("rb-visited").doesNotContain("rb-failed");
        assertThat(markers("Flow_ToDeployed")).contains("rb-taken");
        assertThat(markers("Flow_Approved")).contains("rb-taken");
        assertThat(markers("Flow_NoApprovalNeeded")).doesNotContain("rb-taken");
        assertThat(markers("EndEvent_Deployed")).contains("rb-visited");
        assertThat(markers("Task_SwitchBack")).doesNotContain("rb-compensation", "rb-visited");
        assertThat(browser.findElements(By.cssSelector("#steps tr[data-activity]")))
                .extracting(row -> row.getDomAttribute("data-activity"))
                .startsWith("Task_ResolveRelease", "Task_ApproveRelease", "Task_PrepareRelease");
    }

    @Test
    @Order(2)
    void shouldRejectInTasklistWithTheApproveBoxLeftUnticked() {
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v2"));
        String taskId = awaitApproval(runId);

        signInToTasklist("bob", "bob-pw");
        openApproval(taskId, "v2");
        waiting().until(driver -> "alice".equals(field("requestedBy")));
        claim();
        setApproved(false);
        comment("not this one");
        snapshot("tasklist-rejecting");
        complete();

        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("REJECTED");
        openRunPage(runId);
        assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("REJECTED");
        assertThat(browser.findElement(By.id("approval-summary")).getText()).contains("REJECTED", "bob");
        assertThat(browser.findElement(By.id("approval-comment")).getText()).isEqualTo("not this one");
        assertThat(markers("Flow_Rejected")).contains("rb-taken");
        assertThat(markers("EndEvent_Rejected")).contains("rb-visited");
        assertThat(markers("Task_PrepareRelease")).doesNotContain("rb-visited");
    }

    @Test
    @Order(3)
    void shouldMarkTheFailedStepAndTheCompensationStepsOfARolledBackRun() {
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v3-broken"));
        decide("bob", awaitApproval(runId), true).then().statusCode(204);
        // opened while it runs, the page shows each command's output as it comes; the failed health check waits for
        // an operator (rollout.on-failure: ask), who rolls back from the page; then the end
        openAs("alice", "/runs/" + runId);
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-state", "WAITING_FOR_DECISION"));
        waiting()
                .until(driver -> driver.findElement(By.id("decision-summary"))
                        .getText()
                        .contains("failed at Health check: HEALTH_CHECK_FAILED"));
        snapshot("run-decision");
        click(By.id("decide-rollback"));
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-state", "ENDED"));
        assertThat(browser.findElement(By.id("decision-section")).isDisplayed()).isFalse();
        snapshot("run-live");
        assertThat(browser.findElement(By.id("live-log")).getText())
                .contains("[Task_InstallAndBuild] ", "built v3-broken into dist/", "[Task_HealthCheck] ");
        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("ROLLED_BACK");

        openRunPage(runId);
        assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("ROLLED_BACK");
        assertThat(markers("Task_HealthCheck")).contains("rb-failed");
        assertThat(markers("Task_SwitchBack")).contains("rb-compensation");
        assertThat(markers("Task_DiscardRelease")).contains("rb-compensation");
        assertThat(markers("SubProcess_RollBackHosts")).contains("rb-visited");
        assertThat(markers("Task_ReloadPreviousRelease")).contains("rb-visited");
        assertThat(markers("EndEvent_RolledBack")).contains("rb-visited");
        assertThat(markers("Task_RecordRelease")).doesNotContain("rb-visited");
        assertThat(browser.findElement(By.id("fact-failure")).getText()).startsWith("HEALTH_CHECK_FAILED");
        assertThat(browser.findElement(By.cssSelector("#steps tr.compensation[data-activity='Task_SwitchBack']"))
                        .getText())
                .contains("whole log");

        openAs("alice", "/runs?outcome=ROLLED_BACK&target=shop");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        List<String> listed = browser.findElements(By.cssSelector("#runs tr[data-run]")).stream()
                .map(row -> row.getDomAttribute("data-run"))
                .toList();
        assertThat(listed).contains(runId).doesNotContain(deployedRunId);
    }

    @Test
    @Order(4)
    void shouldServeTheDiagramAndRequireCredentialsForTheRunPages() {
        assertThat(as("alice")
                        .get("/api/runs/" + deployedRunId + "/diagram")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .contains("<bpmn:process id=\"deploy\"", "bpmndi:BPMNDiagram");
        given().get("/runs/" + deployedRunId)
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Basic"));
        given().get("/runs").then().statusCode(401);
        as("alice")
                .get("/runs/" + deployedRunId)
                .then()
                .statusCode(200)
                .contentType("text/html")
                .body(org.hamcrest.Matchers.containsString("bpmn-navigated-viewer.production.min.js"));
        as("alice")
                .get("/web/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
                .then()
                .statusCode(200);
        given().get("/web/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
                .then()
                .statusCode(401);
        assertThat(as("alice")
                        .get("/api/runs?outcome=DEPLOYED&target=shop")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("runId"))
                .containsExactly(deployedRunId);
    }

    /**
     * Opens Tasklist and signs in through its login form, as a person would; with a session from an earlier test
     * the task list opens at once.
     */
    private void signInToTasklist(String user, String password) {
        browser.get(base() + "/camunda/app/tasklist/");
        By username = By.cssSelector("form[name='signinForm'] input[ng-model='username']");
        By filters = By.cssSelector("[cam-tasklist-filters]");
        waiting()
                .until(ExpectedConditions.or(
                        ExpectedConditions.visibilityOfElementLocated(username),
                        ExpectedConditions.presenceOfElementLocated(filters)));
        if (browser.findElements(filters).isEmpty()) {
            type(username, user);
            type(By.cssSelector("form[name='signinForm'] input[ng-model='password']"), password);
            click(By.cssSelector("form[name='signinForm'] button[type='submit']"));
        }
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("form[name='signinForm']")));
        waiting().until(ExpectedConditions.presenceOfElementLocated(filters));
    }

    /**
     * Chooses the filter "Approvals", finds the task in its list (its card shows the target and the git ref) and
     * opens it.
     */
    private void openApproval(String taskId, String gitRef) {
        click(By.xpath("//*[@cam-tasklist-filters]//h4[contains(@class,'name')]/a[contains(normalize-space(.),"
                + "'Approvals')]"));
        By card = By.xpath("//li[contains(@class,'task')][.//a[@href='#/?task=" + taskId + "']]");
        waiting().until(driver -> driver.findElement(card).getText().contains(gitRef));
        click(By.cssSelector(".tasks-list li.task h4.task a[href='#/?task=" + taskId + "']"));
    }

    /** Claims the open task; the form can be filled in once the claim button is gone. */
    private void claim() {
        click(By.cssSelector("button.claim"));
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("button.claim")));
    }

    /** Ticks or unticks the form's "Approve this release" box. */
    private void setApproved(boolean approved) {
        By box = By.cssSelector("[cam-variable-name='approved']");
        waiting().until(driver -> {
            WebElement element = driver.findElement(box);
            if (element.isSelected() != approved) {
                element.click();
            }
            return element.isSelected() == approved;
        });
    }

    private void comment(String text) {
        type(By.cssSelector("[cam-variable-name='approvalComment']"), text);
    }

    /** Completes the task and waits until Tasklist has closed its form. */
    private void complete() {
        By complete = By.cssSelector("button[ng-click='complete()']");
        click(complete);
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(complete));
    }

    /** Types into a field until the field holds the text (Angular may re-render it meanwhile). */
    private void type(By by, String text) {
        waiting().until(driver -> {
            WebElement input = driver.findElement(by);
            input.clear();
            input.sendKeys(text);
            return text.equals(input.getDomProperty("value"));
        });
    }

    /** The value of a field of Tasklist's generated form ("" while it is empty). */
    private String field(String name) {
        String value = browser.findElement(By.cssSelector("[cam-variable-name='" + name + "']"))
                .getDomProperty("value");
        return value == null ? "" : value;
    }

    /**
     * Signs in on the console's sign-in page as a person would (password: the user's name and {@code -pw}), which
     * then opens the page asked for; signing in as another user replaces the session of the one before.
     */
    private void openAs(String user, String path) {
        browser.get(
                base() + "/login?next=" + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8));
        type(By.id("username"), user);
        type(By.id("password"), user + "-pw");
        click(By.id("sign-in"));
        waiting().until(driver -> !driver.getCurrentUrl().contains("/login"));
    }

    /** Opens the run page as alice and waits until the ended run is drawn. */
    private void openRunPage(String runId) {
        openAs("alice", "/runs/" + runId);
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-state", "ENDED"));
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        snapshot("run-" + browser.findElement(By.tagName("body")).getDomAttribute("data-outcome"));
    }

    @Test
    @Order(5)
    void shouldApproveFromTheApprovalsPageAfterReadingTheReleaseAndShowARefusal() throws Exception {
        String tip = shop.publish("page-change", Map.of("backend/notes.txt", "approved on the approvals page"));
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "page-change"));
        awaitApproval(runId);

        // an operator may not decide: the console shows her no approvals page and sends her to the targets
        openAs("alice", "/approvals");
        waiting().until(driver -> driver.getCurrentUrl().endsWith("/targets"));
        waiting().until(ExpectedConditions.textToBe(By.id("signed-in-user"), "alice"));
        assertThat(browser.findElements(By.cssSelector("#nav a")))
                .extracting(WebElement::getText)
                .contains("Targets", "Runs")
                .doesNotContain("Approvals");

        WebDriver alices = browser;
        browser = newBrowser();
        try {
            approveOnThePage(runId, tip);
        } finally {
            browser.quit();
            browser = alices;
        }
    }

    private void approveOnThePage(String runId, String tip) {
        openAs("bob", "/approvals");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        assertThat(browser.findElements(By.cssSelector("#nav a")))
                .extracting(WebElement::getText)
                .contains("Approvals")
                .doesNotContain("Targets", "Runs");
        By card = By.cssSelector("section.approval[data-run='" + runId + "']");
        WebElement approval = browser.findElement(card);
        assertThat(approval.findElement(By.cssSelector("h2")).getText()).contains("deploy on shop: page-change");
        assertThat(approval.findElement(By.cssSelector("table.commits")).getText())
                .contains(tip.substring(0, 7), "Variant page-change");
        assertThat(approval.findElement(By.cssSelector("ol.plan")).getText())
                .contains("npm run build", "startOrReload", "GET " + shop.healthUrl());
        assertThat(approval.getText()).contains("Brings 1 commit(s)", "Requested by", "alice");
        snapshot("approvals-page");
        approval.findElement(By.cssSelector("textarea.comment")).sendKeys("read it on the page");
        approval.findElement(By.cssSelector("button.approve")).click();
        waiting()
                .until(driver -> driver.findElement(card)
                        .findElement(By.cssSelector(".result"))
                        .getText()
                        .contains("APPROVED"));
        snapshot("approvals-page-approved");
        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(run.getString("decidedBy")).isEqualTo("bob");
        assertThat(run.getString("approval.comment")).isEqualTo("read it on the page");

        // decided, it is no longer listed
        browser.navigate().refresh();
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        assertThat(browser.findElements(card)).isEmpty();
    }

    @Test
    @Order(6)
    void shouldShowWhatServesDeployAPickedTagAfterItsPreviewAndRollBackByRowAndByTagName() {
        // deploy v2 picked from the remote's tags, after reading its plan
        openAs("alice", "/targets");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        WebElement form = browser.findElement(By.cssSelector("section.target[data-target='shop'] .deploy-form"));
        org.openqa.selenium.support.ui.Select refs =
                new org.openqa.selenium.support.ui.Select(form.findElement(By.cssSelector("select.ref-pick")));
        assertThat(refs.getOptions()).extracting(WebElement::getText).anyMatch(text -> text.startsWith("v2 · tag · "));
        refs.getOptions().stream()
                .filter(option -> option.getText().startsWith("v2 · tag · "))
                .findFirst()
                .orElseThrow()
                .click();
        assertThat(form.findElement(By.cssSelector("input.ref")).getDomProperty("value"))
                .isEqualTo("v2");
        form.findElement(By.cssSelector("button.preview-deploy")).click();
        waiting()
                .until(driver ->
                        form.findElement(By.cssSelector(".preview")).getText().contains("npm run build"));
        assertThat(form.findElement(By.cssSelector(".preview")).getText())
                .contains(shop.sha("v2").substring(0, 12), "Health check", "an approver decides first");
        snapshot("targets-page-preview");
        form.findElement(By.cssSelector("button.deploy")).click();
        waiting().until(driver -> driver.getCurrentUrl().contains("/runs/"));
        String deploy = browser.getCurrentUrl().replaceAll(".*/runs/", "");
        decide("bob", awaitApproval(deploy), true).then().statusCode(204);
        // alice's run page follows the run live: each step's output as it comes, then the end
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-outcome", "DEPLOYED"));
        assertThat(browser.findElement(By.id("live-log")).getText())
                .contains("[Task_InstallAndBuild] ", "[Task_HealthCheck] ");
        snapshot("run-deploy-followed-live");
        assertThat(awaitEnd(deploy).getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(as("alice").get("/api/runs/" + deploy).<String>path("gitRef"))
                .isEqualTo("v2");
        String v2Release = shop.currentRelease();

        String earlier = shop.releases().stream()
                .filter(id -> !id.equals(v2Release))
                .reduce((first, second) -> second)
                .orElseThrow();
        openAs("alice", "/targets");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        WebElement target = browser.findElement(By.cssSelector("section.target[data-target='shop']"));
        assertThat(target.findElement(By.cssSelector("dd.release")).getText()).isEqualTo(v2Release);
        assertThat(target.findElement(By.cssSelector("table.services tr[data-app='" + shop.app + "']"))
                        .getText())
                .contains("online");
        assertThat(target.findElement(By.cssSelector("table.releases tr[data-release='" + v2Release + "']"))
                        .getText())
                .contains("serving", "v2");
        snapshot("targets-page");

        // roll back to the earlier release from its row: the run page opens; bob approves over the API
        target.findElement(By.cssSelector("table.releases tr[data-release='" + earlier + "'] button.rollback"))
                .click();
        waiting().until(driver -> driver.getCurrentUrl().contains("/runs/"));
        String rollback = browser.getCurrentUrl().replaceAll(".*/runs/", "");
        decide("bob", awaitApproval(rollback), true).then().statusCode(204);
        assertThat(awaitEnd(rollback).getString("outcome")).isEqualTo("RESTORED");
        assertThat(shop.currentRelease()).isEqualTo(earlier);

        // and back to v2, picked by its tag name in the rollback form
        openAs("alice", "/targets");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        WebElement back = browser.findElement(By.cssSelector("section.target[data-target='shop'] .rollback-form"));
        new org.openqa.selenium.support.ui.Select(back.findElement(By.cssSelector("select.release-pick")))
                .getOptions().stream()
                        .filter(option -> option.getText().startsWith("v2 · "))
                        .findFirst()
                        .orElseThrow()
                        .click();
        back.findElement(By.cssSelector("button.preview-rollback")).click();
        waiting()
                .until(driver ->
                        back.findElement(By.cssSelector(".preview")).getText().contains("Switch"));
        assertThat(back.findElement(By.cssSelector(".preview")).getText()).contains(v2Release);
        back.findElement(By.cssSelector("button.rollback-picked")).click();
        waiting().until(driver -> driver.getCurrentUrl().contains("/runs/"));
        String byTag = browser.getCurrentUrl().replaceAll(".*/runs/", "");
        decide("bob", awaitApproval(byTag), true).then().statusCode(204);
        assertThat(awaitEnd(byTag).getString("outcome")).isEqualTo("RESTORED");
        assertThat(shop.currentRelease()).isEqualTo(v2Release);
    }

    @Test
    @Order(7)
    void shouldKeepAClaimedApprovalDecidableRestartWhileARequestWaitsAndLetTheRequesterWithdrawButNotApprove()
            throws Exception {
        // alice's request, claimed by bob in Tasklist, stays listed for carol, marked, and she may decide it
        String claimed = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v2"));
        String claimedTask = awaitApproval(claimed);
        signInToTasklist("bob", "bob-pw");
        openApproval(claimedTask, "v2");
        claim();
        snapshot("tasklist-claimed");
        openAs("carol", "/approvals");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        By card = By.cssSelector("section.approval[data-run='" + claimed + "']");
        assertThat(browser.findElement(card).getText()).contains("Claimed by", "bob");
        snapshot("approvals-page-claimed");
        browser.findElement(card).findElement(By.cssSelector("button.reject")).click();
        waiting()
                .until(driver -> driver.findElement(card)
                        .findElement(By.cssSelector(".result"))
                        .getText()
                        .contains("REJECTED"));
        assertThat(awaitEnd(claimed).getString("decidedBy")).isEqualTo("carol");

        // carol's own request waits; an emergency restart from the targets page runs meanwhile
        String waiting = start("carol", "/api/targets/shop/deployments", Map.of("gitRef", "v2"));
        awaitApproval(waiting);
        openAs("alice", "/targets");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-rendered", "true"));
        click(By.cssSelector("section.target[data-target='shop'] button.restart"));
        waiting().until(driver -> driver.getCurrentUrl().contains("/runs/"));
        String restart = browser.getCurrentUrl().replaceAll(".*/runs/", "");
        assertThat(awaitEnd(restart).getString("outcome")).isEqualTo("DONE");
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-outcome", "DONE"));

        // on her run's page carol may not approve her own request (the platform says why) but may withdraw it
        openAs("carol", "/runs/" + waiting);
        click(By.id("approve"));
        // the page re-renders while it polls the run: read the answer inside the wait, which re-finds it
        String refusal = waiting().until(driver -> {
            String text = driver.findElement(By.id("action-result")).getText();
            return text.contains("Refused") ? text : null;
        });
        assertThat(refusal).contains("carol", "four eyes");
        snapshot("run-own-approval-refused");
        click(By.id("withdraw"));
        waiting().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-outcome", "WITHDRAWN"));
        assertThat(awaitEnd(waiting).getString("outcome")).isEqualTo("WITHDRAWN");
        assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("WITHDRAWN");
        snapshot("run-withdrawn");
    }

    /** A screenshot under target/browser/, to look at what the test saw. */
    private static void snapshot(String name) {
        try {
            Path file = Path.of("target", "browser", name + ".png");
            Files.createDirectories(file.getParent());
            Files.write(
                    file,
                    ((org.openqa.selenium.TakesScreenshot) browser)
                            .getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("no screenshot " + name + ": " + e);
        }
    }

    /** The marker classes bpmn-js put on a drawn element. */
    private String markers(String elementId) {
        return browser.findElement(By.cssSelector(".djs-element[data-element-id='" + elementId + "']"))
                .getDomAttribute("class");
    }
}
