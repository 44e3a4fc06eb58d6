/* Whole product vs the same product split in two by rows, for the default model's shapes:
   how many splits at multiples of argv[1] change a bit. See scripts/split-check/run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
char *openblas_get_corename(void);
static float *rnd(int n, unsigned s){float*a=malloc(n*sizeof(float));for(int i=0;i<n;i++){s=s*1103515245+12345;a[i]=((s>>8)&0xffff)/65536.0f-0.5f;}return a;}
/* row-major C[m x n] = op(A) op(B); split rows of C at s (rowsplit) or columns (colsplit) */
static int check(const char*name,int m,int k,int n,int ta,int tb,int colsplit,int s){
  int lda = ta? m : k, ldb = tb? k : n;
  float *A=rnd(m*k,1),*B=rnd(k*n,2),*C=calloc(m*n,4),*D=calloc(m*n,4);
  CBLAS_TRANSPOSE TA=ta?CblasTrans:CblasNoTrans, TB=tb?CblasTrans:CblasNoTrans;
  cblas_sgemm(CblasRowMajor,TA,TB,m,n,k,1,A,lda,B,ldb,0,C,n);
  if(!colsplit){
    /* rows [0,s) and [s,m): A's rows (or columns when transposed) */
    cblas_sgemm(CblasRowMajor,TA,TB,s,n,k,1,A,lda,B,ldb,0,D,n);
    cblas_sgemm(CblasRowMajor,TA,TB,m-s,n,k,1,ta? A+s : A+(size_t)s*lda,lda,B,ldb,0,D+(size_t)s*n,n);
  } else {
    cblas_sgemm(CblasRowMajor,TA,TB,m,s,k,1,A,lda,B,ldb,0,D,n);
    cblas_sgemm(CblasRowMajor,TA,TB,m,n-s,k,1,A,lda,tb? B+(size_t)s*ldb : B+s,ldb,0,D+s,n);
  }
  int bad=memcmp(C,D,m*n*4)!=0;
  free(A);free(B);free(C);free(D);return bad;
}
int main(int argc,char**argv){
  int mult=atoi(argv[1]);
  printf("%s mult %d:", openblas_get_corename(), mult);
  struct {const char*nm;int m,k,n,ta,tb,col,total;} sh[]={
   {"noise*W1",100,100,128,0,0,0,100},{"h*W2",100,128,784,0,0,0,100},{"x*DW1",100,784,128,0,0,0,100},
   {"x*DW1 200",200,784,128,0,0,0,200},
   {"logits",1,128,100,1,1,1,100},{"lg*w2T",100,1,128,0,1,0,100},{"hg*DW1T",100,128,784,0,1,0,100},
   {"ig*W2T",100,784,128,0,1,0,100},{"dW_D1",784,200,128,1,0,0,784},{"dW_D2",128,200,1,1,0,0,128},
   {"dW_G1",100,100,128,1,0,0,100},{"dW_G2",128,100,784,1,0,0,128}};
  for(int i=0;i<sizeof sh/sizeof sh[0];i++){
    int bad=0,tried=0;
    for(int s=mult;s<sh[i].total;s+=mult){tried++;bad+=check(sh[i].nm,sh[i].m,sh[i].k,sh[i].n,sh[i].ta,sh[i].tb,sh[i].col,s);}
    printf(" %s %d/%d", sh[i].nm, bad, tried);
  }
  printf("\n");
}
